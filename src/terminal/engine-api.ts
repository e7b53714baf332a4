import type { ChildProcess } from 'node:child_process'
import http from 'node:http'
import { Duplex } from 'node:stream'
import { EngineError } from '../errors.js'
import type { DockerHost } from '../servers/docker-host.js'

/**
 * The Engine API over the host's own transport: `docker system dial-stdio` turns the CLI into a
 * raw connection to the engine (the unix socket, or ssh for remote servers), so a call the CLI has
 * no command for (exec with a pseudo-terminal, its resize) reaches local and remote engines alike.
 */
function dial(host: DockerHost): { socket: Duplex; child: ChildProcess } {
  const child = host.stream(['system', 'dial-stdio'], { stdin: true })
  const socket = Duplex.from({ readable: child.stdout!, writable: child.stdin! })
  // The CLI outlives neither side: whoever closes the connection ends the process.
  socket.once('close', () => child.kill())
  child.once('close', () => socket.destroy())
  return { socket, child }
}

const engineError = (host: DockerHost, what: string, detail: string) =>
  new EngineError(`${what} failed on ${host.dockerHost}`, detail)

function send(host: DockerHost, path: string, body: unknown, upgrade: boolean) {
  const payload = body === undefined ? '' : JSON.stringify(body)
  const { socket, child } = dial(host)
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()))
  const request = http.request({
    method: 'POST',
    host: 'docker',
    path,
    // With no agent, each request gets its own connection from createConnection (never pooled).
    createConnection: () => socket as never,
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      ...(upgrade ? { connection: 'Upgrade', upgrade: 'tcp' } : {}),
    },
  })
  request.end(payload)
  return { request, socket, stderr: () => stderr }
}

/** A POST to the engine, its JSON answer (or nothing) back; a refusal is a 502 engine_error. */
export function enginePost<T>(host: DockerHost, path: string, body?: unknown): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const { request, socket, stderr } = send(host, path, body, false)
    request.on('error', (error) => reject(engineError(host, `POST ${path}`, stderr() || error.message)))
    request.on('response', (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => {
        socket.destroy()
        const status = res.statusCode ?? 0
        if (status >= 300) reject(engineError(host, `POST ${path}`, text))
        else resolve(text.trim() === '' ? undefined : (JSON.parse(text) as T))
      })
    })
  })
}

/** A POST the engine answers by handing the connection over (exec start): the raw stream back, paused. */
export function engineUpgrade(host: DockerHost, path: string, body: unknown): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const { request, socket, stderr } = send(host, path, body, true)
    request.on('error', (error) => reject(engineError(host, `POST ${path}`, stderr() || error.message)))
    request.on('upgrade', (_res, stream, head) => {
      // Held until the caller listens: the shell's first output (its prompt) must not flow to nobody.
      stream.pause()
      if (head.length > 0) stream.unshift(head)
      resolve(stream)
    })
    request.on('response', (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => {
        socket.destroy()
        reject(engineError(host, `POST ${path}`, text || `status ${res.statusCode}`))
      })
    })
  })
}

import { type ChildProcess, fork } from 'node:child_process'
import { createServer, type Server, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'

/** What a reader process tells the serving process. */
export type ReaderMessage =
  | { type: 'ready' }
  /** A token was used and its last use is due to be recorded (a reader never writes). */
  | { type: 'token-used'; tokenId: string; at: string }
  /** Request durations it observed since its last message: method, route, status, seconds. */
  | { type: 'observations'; items: [string, string, string, number][] }

/** What the serving process tells a reader, with the public listening socket. */
export type ServingMessage = { type: 'listen' }

// The reader's entry beside this file: .ts when Berth runs from source (tsx), .js once compiled.
const READER_MODULE = fileURLToPath(
  new URL(`./reader.process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
)
// A reader that dies is started again after this long (not at once: a reader that cannot start would spin).
const RESTART_DELAY_MS = 1000
// Readers get this long to finish their requests when Berth stops; then they are killed.
const STOP_GRACE_MS = 12_000

export type Readers = {
  /** Settles once every reader has answered its first start: ready, or stopped (the serving process answers in its place). */
  started: Promise<void>
  stop(): Promise<void>
}

/**
 * Starts `count` reader processes beside the serving one. Each opens the same database, accepts
 * connections on the public listening socket (`listener`, shared with it once it is ready), answers
 * the routes that declare `servedByReaders` and passes the rest to the serving process's Unix
 * socket (`socketPath`). Every process accepts from one socket, so the kernel deals the
 * connections and a busy process takes fewer; no connection waits on a message between processes.
 */
export function startReaders(options: {
  count: number
  socketPath: string
  listener: Server
  observe: (items: [string, string, string, number][]) => void
  recordTokenUse: (tokenId: string, at: string) => void
  logger: Logger
}): Readers {
  const children: ChildProcess[] = []
  let stopping = false

  function start(slot: number): Promise<void> {
    const child = fork(READER_MODULE, [options.socketPath], { stdio: 'inherit' })
    children[slot] = child
    let ready = false
    let settle: () => void = () => undefined
    const settled = new Promise<void>((resolve) => {
      settle = resolve
    })
    child.on('message', (message: ReaderMessage) => {
      if (message.type === 'ready') {
        ready = true
        child.send({ type: 'listen' } satisfies ServingMessage, options.listener)
        settle()
      } else if (message.type === 'token-used') options.recordTokenUse(message.tokenId, message.at)
      else if (message.type === 'observations') options.observe(message.items)
    })
    child.on('exit', (code, signal) => {
      settle()
      if (stopping) return
      // One that never started would fail again the same way: its share stays with this process.
      if (!ready)
        return options.logger.error(
          { reader: child.pid, code, signal },
          'a reader process could not start; this process answers its share',
        )
      options.logger.error({ reader: child.pid, code, signal }, 'a reader process stopped; starting another')
      setTimeout(() => {
        if (!stopping) start(slot)
      }, RESTART_DELAY_MS).unref()
    })
    return settled
  }
  const started = Promise.all(Array.from({ length: options.count }, (_, slot) => start(slot))).then(() => undefined)

  async function stop(): Promise<void> {
    stopping = true
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve()
            const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
            child.once('exit', () => {
              clearTimeout(kill)
              resolve()
            })
            child.kill('SIGTERM')
          }),
      ),
    )
  }

  return { started, stop }
}

/** Listens on HOST:PORT for the serving process and, once they are ready, its readers; `address` as Berth prints it. */
export function listenShared(
  host: string,
  port: number,
  onConnection: (socket: Socket) => void,
): Promise<{ listener: Server; address: string }> {
  const listener = createServer(onConnection)
  return new Promise((resolve, reject) => {
    listener.once('error', reject)
    listener.listen({ host, port }, () => {
      listener.off('error', reject)
      const bound = listener.address()
      if (bound === null || typeof bound === 'string')
        return reject(new Error('the public listener has no TCP address'))
      const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address
      resolve({ listener, address: `http://${shown}:${bound.port}` })
    })
  })
}

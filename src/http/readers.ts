import { type ChildProcess, fork } from 'node:child_process'
import { createServer, type Server, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'

/** What a reader process tells the serving process. */
export type ReaderMessage =
  | { type: 'ready' }
  /** It took connection `id`: the serving process lets go of its own copy. */
  | { type: 'took'; id: number }
  /** A token was used and its last use is due to be recorded (a reader never writes). */
  | { type: 'token-used'; tokenId: string; at: string }
  /** Request durations it observed since its last message: method, route, status, seconds. */
  | { type: 'observations'; items: [string, string, string, number][] }

// The reader's entry beside this file: .ts when Berth runs from source (tsx), .js once compiled.
const READER_MODULE = fileURLToPath(
  new URL(`./reader.process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
)
// A reader that dies is started again after this long (not at once: a reader that cannot start would spin).
const RESTART_DELAY_MS = 1000
// Readers get this long to finish their requests when Berth stops; then they are killed.
const STOP_GRACE_MS = 12_000

/** A reader, and the connections handed to it that it has not yet confirmed. */
type Reader = { child: ChildProcess; ready: boolean; wasReady: boolean; handed: Map<number, Socket> }

export type Readers = {
  /** Settles once every reader has answered its first start: ready, or stopped (the serving process answers in its place). */
  started: Promise<void>
  /** Gives a new connection to the next process in turn: a ready reader, or the serving process itself. */
  dispatch(socket: Socket): void
  stop(): Promise<void>
}

/**
 * Starts `count` reader processes beside the serving one. Each opens the same database and answers
 * the routes that declare `servedByReaders`, passing the rest to the serving process's Unix socket
 * (`socketPath`). Connections are dealt round-robin over the serving process and its readers, so a
 * keep-alive client stays with one process for its connection's life.
 */
export function startReaders(options: {
  count: number
  socketPath: string
  serveHere: (socket: Socket) => void
  observe: (items: [string, string, string, number][]) => void
  recordTokenUse: (tokenId: string, at: string) => void
  logger: Logger
}): Readers {
  const readers: Reader[] = []
  let stopping = false
  let turn = 0

  function start(slot: number): Promise<void> {
    const child = fork(READER_MODULE, [options.socketPath], { stdio: 'inherit' })
    const reader: Reader = { child, ready: false, wasReady: false, handed: new Map() }
    readers[slot] = reader
    let settle: () => void = () => undefined
    const settled = new Promise<void>((resolve) => {
      settle = resolve
    })
    child.on('message', (message: ReaderMessage) => {
      if (message.type === 'ready') {
        reader.ready = true
        reader.wasReady = true
        settle()
      } else if (message.type === 'took') {
        reader.handed.get(message.id)?.destroy()
        reader.handed.delete(message.id)
      } else if (message.type === 'token-used') options.recordTokenUse(message.tokenId, message.at)
      else if (message.type === 'observations') options.observe(message.items)
    })
    child.on('exit', (code, signal) => {
      settle()
      reader.ready = false
      // Connections it died before taking would hang their clients: they are answered here.
      for (const socket of reader.handed.values()) if (!socket.destroyed) options.serveHere(socket)
      reader.handed.clear()
      if (stopping) return
      // One that never started would fail again the same way: its share stays with this process.
      if (!reader.wasReady)
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

  let handedOut = 0
  function dispatch(socket: Socket): void {
    const slot = turn++ % (readers.length + 1)
    const reader = readers[slot]
    if (!reader?.ready || !reader.child.connected) return options.serveHere(socket)
    // This process keeps its copy of the socket until the reader says it took it (see 'took').
    const id = ++handedOut
    reader.handed.set(id, socket)
    reader.child.send({ type: 'connection', id }, socket, { keepOpen: true }, (error) => {
      if (!error) return
      options.logger.warn({ err: error }, 'a reader refused a connection; answering it in the serving process')
      reader.handed.delete(id)
      if (!socket.destroyed) options.serveHere(socket)
    })
  }

  async function stop(): Promise<void> {
    stopping = true
    await Promise.all(
      readers.map(
        ({ child }) =>
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

  return { started, dispatch, stop }
}

/** The public listener when readers share the work: it reads nothing itself, so a socket can move to a reader untouched. */
export function listenForReaders(
  host: string,
  port: number,
  dispatch: (socket: Socket) => void,
): Promise<{ server: Server; address: string }> {
  const server = createServer({ pauseOnConnect: true }, dispatch)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host, port }, () => {
      server.off('error', reject)
      const bound = server.address()
      if (bound === null || typeof bound === 'string')
        return reject(new Error('the public listener has no TCP address'))
      const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address
      resolve({ server, address: `http://${shown}:${bound.port}` })
    })
  })
}

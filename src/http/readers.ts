import cluster, { type Worker } from 'node:cluster'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'

/** What a reader process tells the serving process. */
export type ReaderMessage =
  /** It accepts on the public address (as Berth prints it). */
  | { type: 'ready'; address: string }
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

export type Readers = {
  /** Once every reader has answered its first start: the address the first ready one accepts on, if any did. */
  started: Promise<string | undefined>
  stop(): Promise<void>
}

/**
 * Starts `count` reader processes (cluster workers) beside the serving one. Each opens the same
 * database and listens on HOST:PORT; the workers share one listening socket, from which the
 * kernel deals the connections (SCHED_NONE: a busy reader accepts fewer, and this process accepts
 * none, so its event loop is left to the writes and the background work). A reader answers the
 * routes that declare `servedByReaders` and passes the rest to this process's Unix socket
 * (`socketPath`).
 */
export function startReaders(options: {
  count: number
  socketPath: string
  observe: (items: [string, string, string, number][]) => void
  recordTokenUse: (tokenId: string, at: string) => void
  logger: Logger
}): Readers {
  cluster.schedulingPolicy = cluster.SCHED_NONE
  cluster.setupPrimary({ exec: READER_MODULE, args: [options.socketPath] })
  const workers: Worker[] = []
  let stopping = false

  function start(slot: number): Promise<string | undefined> {
    const worker = cluster.fork()
    workers[slot] = worker
    let ready = false
    let settle: (address: string | undefined) => void = () => undefined
    const settled = new Promise<string | undefined>((resolve) => {
      settle = resolve
    })
    worker.on('message', (message: ReaderMessage) => {
      if (message.type === 'ready') {
        ready = true
        settle(message.address)
      } else if (message.type === 'token-used') options.recordTokenUse(message.tokenId, message.at)
      else if (message.type === 'observations') options.observe(message.items)
    })
    worker.on('exit', (code, signal) => {
      settle(undefined)
      if (stopping) return
      const pid = worker.process.pid
      // One that never started would fail again the same way.
      if (!ready) return options.logger.error({ reader: pid, code, signal }, 'a reader process could not start')
      options.logger.error({ reader: pid, code, signal }, 'a reader process stopped; starting another')
      setTimeout(() => {
        if (!stopping) start(slot)
      }, RESTART_DELAY_MS).unref()
    })
    return settled
  }
  const started = Promise.all(Array.from({ length: options.count }, (_, slot) => start(slot))).then((addresses) =>
    addresses.find((address) => address !== undefined),
  )

  async function stop(): Promise<void> {
    stopping = true
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve()
            const kill = setTimeout(() => worker.process.kill('SIGKILL'), STOP_GRACE_MS)
            worker.once('exit', () => {
              clearTimeout(kill)
              resolve()
            })
            worker.process.kill('SIGTERM')
          }),
      ),
    )
  }

  return { started, stop }
}

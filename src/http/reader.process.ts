// A reader process (BERTH_HTTP_PROCESSES > 1), started by `berth serve` with the serving process's
// Unix socket as its argument. It listens on HOST:PORT (a cluster worker: the readers share one
// socket), answers the database-only reads and passes everything else to the serving process; it
// runs no background work and never writes.
import { setPriority } from 'node:os'
import { buildApp } from '../app.js'
import { loadConfig } from '../config.js'
import { closeHttp } from './close-http.js'
import type { ReaderMessage } from './readers.js'
import { createHttpServer } from './server.js'

const READER_NICENESS = 5
// Request durations go to the serving process's /metrics in batches, not one message per request.
const OBSERVATIONS_EVERY_MS = 1000

const socketPath = process.argv[2]
if (!socketPath || !process.send) throw new Error('a reader process is started by `berth serve`, not by hand')
// Readers yield the CPU to the serving process: it is the one writer, and runs deployments, the
// monitors and the proxy sync. At equal priority, with every core busy, the kernel gave it an equal
// share beside each reader, and writes forwarded to it waited seconds (N=3 on 2 cores: write p99
// 1.3-4.4 s, max 6 s; at nice 5: p99 0.4-0.5 s, none over 2 s). Not lower: a reader must still get
// a fair part of a machine busy with other work (an image build runs at nice 0).
setPriority(0, READER_NICENESS)
const send = (message: ReaderMessage) => process.send?.(message)

// Read-only: the serving process migrated the database and checked the key before starting readers.
const config = loadConfig()
const app = await buildApp({
  config,
  reader: { recordTokenUse: (tokenId, at) => send({ type: 'token-used', tokenId, at }) },
})
let observed: [string, string, string, number][] = []
const server = await createHttpServer(app, {
  forwardTo: socketPath,
  observe: (method, route, status, seconds) => observed.push([method, route, status, seconds]),
})
await server.ready()

const flush = () => {
  if (observed.length === 0) return
  send({ type: 'observations', items: observed })
  observed = []
}
const flushing = setInterval(flush, OBSERVATIONS_EVERY_MS)

async function stop(): Promise<void> {
  clearInterval(flushing)
  await closeHttp(server)
  flush()
  await app.close()
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
// The serving process is gone (killed): nothing would answer the requests this one passes on.
process.once('disconnect', () => void stop())
// A cluster worker: this listen shares the one socket the serving process made for its readers.
send({ type: 'ready', address: await server.listen({ host: config.host, port: config.port }) })

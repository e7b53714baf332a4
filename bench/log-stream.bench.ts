// One deployment printing many log lines while 10 clients follow its live stream over real HTTP
// (Server-Sent Events). Checks every client receives every line once and in order, and prints how
// far behind the writer the slowest client fell and Berth's peak RSS (the clients run in a process of
// their own, bench/support/log-stream-clients.mjs). Run: npm run bench:log-stream (BENCH_LINES, default 1,000,000; BENCH_CLIENTS, 10; BENCH_RATE, the writer's lines/s, default 100,000).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../src/app.js'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { loadConfig } from '../src/config.js'
import { createRedactor } from '../src/crypto/redact.js'
import { insertQueued } from '../src/deployments/deployments.repo.js'
import { createLogWriter } from '../src/deployments/log-writer.js'
import { createHttpServer } from '../src/http/server.js'

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10)
const BATCH = 10_000
// How fast the deployment prints: a very chatty build prints tens of thousands of lines a second;
// BENCH_RATE=0 writes as fast as the writer can store (then the readers, not Berth, are the limit).
const RATE = Number(process.env.BENCH_RATE ?? 100_000)

const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-stream-'))
const app = await buildApp({
  config: loadConfig({ BERTH_DATA_DIR: dataDir, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' }),
})
const server = await createHttpServer(app)
try {
  const user = await app.users.create(
    { email: 'bench@example.com', password: 'bench-password-long', admin: true, teamName: 'Bench' },
    SYSTEM_ACTOR,
  )
  const { token } = await app.tokens.create(
    { userId: user.id, teamId: user.teamId, abilities: new Set(['root']) },
    { name: 'bench', abilities: ['root'] },
    SYSTEM_ACTOR,
  )
  const { id } = await insertQueued(app.db, {
    teamId: user.teamId,
    resource: { type: 'service', id: 'bench-service', name: 'bench' },
    server: { id: 'bench-server', name: 'bench' },
    action: 'deploy',
    trigger: 'api',
    createdBy: 'bench',
  })
  const url = await server.listen({ host: '127.0.0.1', port: 0 })

  let peakRss = 0
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }, 100)
  const flushedAt = new Map<number, number>() // last seq of a batch -> when it was committed (Date.now())
  const clients = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('./support/log-stream-clients.mjs', import.meta.url)),
      `${url}/api/v1/deployments/${id}/logs/stream`,
      token,
      String(CLIENTS),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let clientOutput = ''
  clients.stdout.on('data', (chunk: Buffer) => (clientOutput += chunk.toString()))
  const clientsDone = new Promise<number | null>((resolve) => clients.on('close', resolve))
  while (!clientOutput.includes('connected\n')) {
    if (clients.exitCode !== null) throw new Error(`the clients' process exited with ${clients.exitCode}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const writer = createLogWriter({
    db: app.db,
    deploymentId: id,
    firstSeq: 1,
    redact: createRedactor(['bench-secret-value']),
    // A real deployment's log stops being stored at 10 MiB (about 130,000 of these lines); the
    // stream is what is measured here, so this log may grow to the full million.
    maxLogChars: Number.POSITIVE_INFINITY,
    onFlushed: (lastSeq) => {
      flushedAt.set(lastSeq, Date.now())
      app.events.publish({ type: 'deployment.log', deploymentId: id, lastSeq })
    },
  })
  const cpuAtStart = process.cpuUsage()
  const started = performance.now()
  for (let i = 1; i <= LINES; i++) {
    writer.append('stdout', `line ${i} of the bench output, with some text to make it look like a build step`)
    if (i % BATCH === 0) {
      await writer.flush()
      const due = started + (i / RATE) * 1000
      if (RATE > 0 && due > performance.now())
        await new Promise((resolve) => setTimeout(resolve, due - performance.now()))
    }
  }
  await writer.close()
  const wroteMs = performance.now() - started
  await app.db.updateTable('deployments').set({ status: 'finished' }).where('id', '=', id).execute()
  app.events.publish({
    type: 'deployment.finished',
    teamId: user.teamId,
    deploymentId: id,
    resourceId: 'bench-service',
    resourceType: 'service',
    serverId: 'bench-server',
    status: 'finished',
  })
  const exitCode = await clientsDone
  const doneMs = performance.now() - started
  clearInterval(sampler)
  if (exitCode !== 0) throw new Error(`the clients' process exited with ${exitCode}`)
  const { results, arrivals, cpuSeconds } = JSON.parse(clientOutput.slice(clientOutput.indexOf('\n') + 1)) as {
    results: { received: number; inOrder: boolean }[]
    arrivals: Record<string, number>
    cpuSeconds: number
  }
  const berthCpu = process.cpuUsage(cpuAtStart)
  let maxLagMs = 0
  for (const [seq, at] of Object.entries(arrivals)) {
    const committed = flushedAt.get(Number(seq))
    if (committed !== undefined) maxLagMs = Math.max(maxLagMs, at - committed)
  }
  const complete = results.every((r) => r.received === LINES && r.inOrder)
  console.log(
    `${CLIENTS} clients x ${LINES.toLocaleString('en-US')} lines: ${complete ? 'every client got every line in order' : `INCOMPLETE ${JSON.stringify(results)}`}`,
  )
  console.log(
    `writer ${Math.round(LINES / (wroteMs / 1000)).toLocaleString('en-US')} lines/s (paced at ${RATE > 0 ? RATE.toLocaleString('en-US') : 'no limit'}); all clients done ${((doneMs - wroteMs) / 1000).toFixed(2)} s after the writer; slowest client at most ${(maxLagMs / 1000).toFixed(2)} s behind a committed batch (target <= 1 s)`,
  )
  console.log(
    `CPU seconds: Berth (writer and streams) ${((berthCpu.user + berthCpu.system) / 1e6).toFixed(1)}, the clients ${cpuSeconds.toFixed(1)}`,
  )
  console.log(`peak RSS of Berth ${Math.round(peakRss / 2 ** 20)} MiB (the clients run in a process of their own)`)
  if (!complete) process.exitCode = 1
} finally {
  await server.close()
  await app.close()
  rmSync(dataDir, { recursive: true, force: true })
}

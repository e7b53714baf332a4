// One deployment printing many log lines while 10 clients follow its live stream over real HTTP
// (Server-Sent Events). Checks every client receives every line once and in order, and prints how
// far behind the writer the slowest client fell and the process's peak RSS (server and clients share
// this process). Run: npm run bench:log-stream (BENCH_LINES, default 1,000,000; BENCH_CLIENTS, 10).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-stream-'))
const app = await buildApp({ config: loadConfig({ BERTH_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }) })
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
  const flushedAt = new Map<number, number>() // last seq of a batch -> when it was committed
  let maxLagMs = 0

  async function follow(): Promise<{ received: number; inOrder: boolean }> {
    const res = await fetch(`${url}/api/v1/deployments/${id}/logs/stream`, {
      headers: { authorization: `Bearer ${token}` },
    })
    if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`)
    const decoder = new TextDecoder()
    let buffer = ''
    let expected = 1
    let inOrder = true
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true })
      const cut = buffer.lastIndexOf('\n\n')
      if (cut < 0) continue
      const events = buffer.slice(0, cut)
      buffer = buffer.slice(cut + 2)
      for (const match of events.matchAll(/^id: (\d+)$/gm)) {
        const seq = Number(match[1])
        if (seq !== expected) inOrder = false
        expected = seq + 1
        const committed = flushedAt.get(seq)
        if (committed !== undefined) maxLagMs = Math.max(maxLagMs, performance.now() - committed)
      }
      if (/^event: end$/m.test(events)) break
    }
    return { received: expected - 1, inOrder }
  }

  const followers = Array.from({ length: CLIENTS }, () => follow())
  const writer = createLogWriter({
    db: app.db,
    deploymentId: id,
    firstSeq: 1,
    redact: createRedactor(['bench-secret-value']),
    onFlushed: (lastSeq) => {
      flushedAt.set(lastSeq, performance.now())
      app.events.publish({ type: 'deployment.log', deploymentId: id, lastSeq })
    },
  })
  const started = performance.now()
  for (let i = 1; i <= LINES; i++) {
    writer.append('stdout', `line ${i} of the bench output, with some text to make it look like a build step`)
    if (i % BATCH === 0) await writer.flush()
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
  const results = await Promise.all(followers)
  const doneMs = performance.now() - started
  clearInterval(sampler)
  const complete = results.every((r) => r.received === LINES && r.inOrder)
  console.log(
    `${CLIENTS} clients x ${LINES.toLocaleString('en-US')} lines: ${complete ? 'every client got every line in order' : `INCOMPLETE ${JSON.stringify(results)}`}`,
  )
  console.log(
    `writer ${Math.round(LINES / (wroteMs / 1000)).toLocaleString('en-US')} lines/s; all clients done ${((doneMs - wroteMs) / 1000).toFixed(2)} s after the writer; slowest client at most ${(maxLagMs / 1000).toFixed(2)} s behind a committed batch (target <= 1 s)`,
  )
  console.log(`peak RSS ${Math.round(peakRss / 2 ** 20)} MiB (server and clients in this process)`)
  if (!complete) process.exitCode = 1
} finally {
  await server.close()
  await app.close()
  rmSync(dataDir, { recursive: true, force: true })
}

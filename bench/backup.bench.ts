// Backup of Berth's own database when it holds 1,000,000 deployment log lines: the time of the
// whole verified backup (online VACUUM INTO snapshot, integrity check, gzip, sha256) through the
// real backup service, the sizes, and the longest stall of Berth's event loop meanwhile (a stall is
// time Berth answers no request). Run: npm run bench:backup. Prints the median of several runs.
// BENCH_LOG_LINES and BENCH_RUNS change the size and the number of runs.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { buildApp } from '../src/app.js'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { loadConfig } from '../src/config.js'
import { openSqlite } from '../src/db/connection.js'

const LOG_LINES = Number(process.env.BENCH_LOG_LINES ?? 1_000_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const LINES_PER_DEPLOYMENT = 10_000

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Output shaped like a real build: step numbers, digests, progress, and lines that repeat. */
function logLine(i: number): string {
  const step = i % 37
  if (i % 4 === 0)
    return `#${step} sha256:${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}c0ffee ${(i % 97) / 10}MB / 48.3MB`
  if (i % 4 === 1) return `#${step} [build ${step % 5}/8] RUN npm ci --omit=dev (line ${i})`
  if (i % 4 === 2) return ` Container app-${i % 5}  Started  0.${i % 10}s`
  return `npm WARN deprecated pkg-${i % 300}@2.${i % 7}.0: no longer maintained`
}

const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-backup-'))
try {
  const config = loadConfig({ BERTH_DATA_DIR: dataDir, LOG_LEVEL: 'silent' })
  await (await buildApp({ config })).close()

  // Filling is not what is measured: plain batched inserts straight into the file.
  const fillStarted = performance.now()
  const sqlite = openSqlite(join(dataDir, 'berth.db'))
  const addDeployment = sqlite.prepare(
    "insert into deployments (id, team_id, resource_type, resource_id, resource_name, server_id, server_name, action, status, trigger, force, pull_latest_images, stop_before_start, created_by, created_at) values (?, 'team', 'service', ?, 'web', 'server', 'localhost', 'deploy', 'finished', 'api', 0, 0, 0, 'bench', ?)",
  )
  const addLine = sqlite.prepare(
    'insert into deployment_logs (deployment_id, seq, ts, stream, output, hidden) values (?, ?, ?, ?, ?, 0)',
  )
  const fill = sqlite.transaction((deployment: number) => {
    const id = `00000000-0000-4000-8000-${String(deployment).padStart(12, '0')}`
    const ts = new Date(Date.UTC(2026, 0, 1) + deployment * 60_000).toISOString()
    addDeployment.run(id, `resource-${deployment % 50}`, ts)
    for (let seq = 1; seq <= LINES_PER_DEPLOYMENT; seq++)
      addLine.run(id, seq, ts, seq % 3 === 0 ? 'stderr' : 'stdout', logLine(deployment * LINES_PER_DEPLOYMENT + seq))
  })
  for (let d = 0; d < LOG_LINES / LINES_PER_DEPLOYMENT; d++) fill(d)
  sqlite.pragma('wal_checkpoint(TRUNCATE)')
  sqlite.close()
  const dbBytes = statSync(join(dataDir, 'berth.db')).size
  console.log(
    `filled ${LOG_LINES.toLocaleString('en-US')} log lines in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s; database ${mib(dbBytes)}`,
  )

  const app = await buildApp({ config })
  try {
    const seconds: number[] = []
    const stalls: number[] = []
    let last
    for (let run = 0; run < RUNS; run++) {
      const lag = monitorEventLoopDelay({ resolution: 10 })
      lag.enable()
      const started = performance.now()
      last = await app.backups.create('bench', SYSTEM_ACTOR)
      seconds.push((performance.now() - started) / 1000)
      lag.disable()
      stalls.push(lag.max / 1e6)
      if (last.status !== 'succeeded') throw new Error(`backup ${run + 1} failed: ${last.error}`)
    }
    const backupBytes = last!.size_bytes!
    console.log(
      `backup (snapshot + integrity check + gzip + sha256), median of ${RUNS}: ${median(seconds).toFixed(2)} s (runs: ${seconds.map((s) => s.toFixed(2)).join(', ')})`,
    )
    console.log(
      `longest event-loop stall during a backup, median of ${RUNS}: ${Math.round(median(stalls))} ms (runs: ${stalls.map((x) => Math.round(x)).join(', ')} ms)`,
    )
    console.log(
      `backup file ${mib(backupBytes)}: ${(dbBytes / backupBytes).toFixed(1)}x smaller than the database; throughput ${mib(dbBytes / median(seconds))}/s of database`,
    )
  } finally {
    await app.close()
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}

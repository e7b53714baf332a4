// Deployment log ingestion: lines/s through the real writer (redaction on, batched rows) on a real
// SQLite file, the cost of the first vs the last 10,000 lines of a 100,000-line log, and in the same
// run the two references the plan described: plain batched inserts, and a "rewrite the whole JSON
// column on every line" store. Run: npm run bench:logs. Prints medians of several runs, the ratio
// to the 100,000 lines/s target, and the machine load (the machine may be shared): besides the
// wall-clock rate it prints lines per CPU-second of this process, which other load disturbs less.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRedactor } from '../src/crypto/redact.js'
import { openDatabase, openSqlite } from '../src/db/connection.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { insertQueued } from '../src/deployments/deployments.repo.js'
import { createLogWriter } from '../src/deployments/log-writer.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const LINES = Number(process.env.BENCH_LINES ?? 100_000)
const SEGMENT = 10_000
const JSON_LINES = Number(process.env.BENCH_JSON_LINES ?? 10_000)
// The JSON store is quadratic; on a loaded machine it may not reach the end in reasonable time.
const JSON_BUDGET_MS = Number(process.env.BENCH_JSON_BUDGET_MS ?? 120_000)
const SECRETS = Array.from({ length: 50 }, (_, i) => `s3cr3t-${i}-${Math.random().toString(36).slice(2, 14)}`)

const TEMPLATES = [
  (i: number) => `#${i % 40} [web ${i % 7}/9] RUN npm ci --omit=dev --no-audit --prefer-offline`,
  (i: number) =>
    `#${i % 40} sha256:${(i * 2654435761).toString(16).padStart(12, '0')}0f9e8d7c6b5a 12.${i % 10}MB / 48.3MB ${i % 100}%`,
  (i: number) => ` Container shop-web-${i % 3}  Started                                              0.${i % 10}s`,
  (i: number) => `npm WARN deprecated package-${i % 500}@1.${i % 9}.0: use something else (line ${i})`,
  (i: number) => `connecting to postgres://app:${SECRETS[i % SECRETS.length]}@db:5432/app attempt ${i}`,
]
const line = (i: number) => TEMPLATES[i % TEMPLATES.length]!(i)

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const TARGET = 100_000
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

const dir = mkdtempSync(join(tmpdir(), 'berth-bench-logs-'))
try {
  const database = openDatabase({ dialect: 'sqlite', path: join(dir, 'berth.db') })
  await migrateToLatest(database.db, 'sqlite')
  const db = database.db
  const redact = createRedactor(SECRETS)

  // --- Berth: the real writer --------------------------------------------------------------
  const loadBefore = load()
  const rates: number[] = []
  const cpuRates: number[] = []
  const firstSegment: number[] = []
  const lastSegment: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const { id } = await insertQueued(db, {
      teamId: 't',
      resource: { type: 'service', id: `r${run}`, name: 'r' },
      server: { id: 's', name: 's' },
      action: 'deploy',
      trigger: 'api',
      createdBy: 'bench',
    })
    const writer = createLogWriter({ db, deploymentId: id, firstSeq: 1, redact })
    const segments: number[] = []
    const cpuStarted = process.cpuUsage()
    const started = performance.now()
    for (let s = 0; s < LINES / SEGMENT; s++) {
      const t0 = performance.now()
      for (let i = s * SEGMENT; i < (s + 1) * SEGMENT; i++) writer.append(i % 3 === 0 ? 'stderr' : 'stdout', line(i))
      await writer.flush()
      segments.push(performance.now() - t0)
    }
    await writer.close()
    rates.push(LINES / ((performance.now() - started) / 1000))
    cpuRates.push(LINES / cpuSeconds(cpuStarted))
    firstSegment.push(segments[0]!)
    lastSegment.push(segments[segments.length - 1]!)
  }
  const check = await db
    .selectFrom('deployment_logs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('output', 'like', '%s3cr3t-%')
    .executeTakeFirstOrThrow()
  if (Number(check.n) !== 0) throw new Error('a secret reached storage')
  await database.close()

  // --- Reference 1: plain batched inserts (no redaction, no writer) ------------------------
  const sqlite = openSqlite(join(dir, 'berth.db'))
  const insert = sqlite.prepare(
    'insert into deployment_logs (deployment_id, seq, ts, stream, output, hidden) values (?, ?, ?, ?, ?, 0)',
  )
  const plainRates: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const id = `plain-${run}`
    sqlite
      .prepare(
        "insert into deployments (id, team_id, resource_type, resource_id, resource_name, server_id, server_name, action, status, trigger, force, pull_latest_images, stop_before_start, created_by, created_at) values (?, 't', 'service', 'p', 'p', 's', 's', 'deploy', 'finished', 'api', 0, 0, 0, 'b', ?)",
      )
      .run(id, new Date().toISOString())
    const batch = sqlite.transaction((from: number) => {
      for (let i = from; i < from + 1000; i++) insert.run(id, i + 1, new Date().toISOString(), 'stdout', line(i))
    })
    const started = performance.now()
    for (let i = 0; i < LINES; i += 1000) batch(i)
    plainRates.push(LINES / ((performance.now() - started) / 1000))
  }

  // --- Reference 2: one JSON column rewritten on every line (what the plan's source system did)
  sqlite.exec('create table json_logs (id integer primary key, logs text not null)')
  sqlite.prepare("insert into json_logs (id, logs) values (1, '[]')").run()
  const read = sqlite.prepare('select logs from json_logs where id = 1')
  const write = sqlite.prepare('update json_logs set logs = ? where id = 1')
  const window = 100
  const jsonRates: { at: number; rate: number }[] = []
  let t0 = performance.now()
  const jsonStarted = t0
  let jsonDone = 0
  for (let i = 0; i < JSON_LINES && performance.now() - jsonStarted < JSON_BUDGET_MS; i++, jsonDone++) {
    const logs = JSON.parse((read.get() as { logs: string }).logs) as unknown[]
    logs.push({
      command: null,
      output: redact(line(i)),
      type: 'stdout',
      timestamp: new Date().toISOString(),
      hidden: false,
      batch: 1,
    })
    write.run(JSON.stringify(logs))
    if ((i + 1) % window === 0) {
      const now = performance.now()
      jsonRates.push({ at: i + 1, rate: window / ((now - t0) / 1000) })
      t0 = now
    }
  }
  const jsonTotal = jsonDone / ((performance.now() - jsonStarted) / 1000)
  sqlite.close()

  const perLineUs = (ms: number[]) => ((median(ms) * 1000) / SEGMENT).toFixed(2)
  console.log(
    `machine load (1/5/15 min) before the writer runs: ${loadBefore}, after the whole bench: ${load()} (${availableParallelism()} CPUs)`,
  )
  console.log(
    `log lines ingested/s (Berth writer, redaction of ${SECRETS.length} secrets on, batched rows): median ${fmt(median(rates))} = ${(median(rates) / TARGET).toFixed(2)} x the 100,000 target (runs: ${rates.map(fmt).join(', ')})`,
  )
  console.log(
    `  per CPU-second of this process: median ${fmt(median(cpuRates))} lines = ${(median(cpuRates) / TARGET).toFixed(2)} x target (runs: ${cpuRates.map(fmt).join(', ')})`,
  )
  console.log(
    `  append cost, lines 1-${fmt(SEGMENT)}: ${perLineUs(firstSegment)} µs/line; lines ${fmt(LINES - SEGMENT + 1)}-${fmt(LINES)}: ${perLineUs(lastSegment)} µs/line (flat = similar)`,
  )
  console.log(
    `plain batched SQLite inserts (reference, no redaction): median ${fmt(median(plainRates))} lines/s (runs: ${plainRates.map(fmt).join(', ')})`,
  )
  const pick = (at: number) => jsonRates.find((r) => r.at === at)?.rate ?? NaN
  const lastJson = jsonRates[jsonRates.length - 1]
  console.log(
    `JSON column rewritten per line (reference): ${fmt(pick(window))} lines/s at line ${window}, ${fmt(pick(1000))} at line 1,000, ${fmt(lastJson?.rate ?? NaN)} at line ${fmt(lastJson?.at ?? 0)}; ${fmt(jsonTotal)} lines/s over all ${fmt(jsonDone)}${jsonDone < JSON_LINES ? ` (stopped at the ${JSON_BUDGET_MS / 1000} s budget)` : ''}`,
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}

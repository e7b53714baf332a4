// A database backup of a PostgreSQL database of about 200 MB (Debian's PostgreSQL in the local test
// image, deployed by Berth) through the real backup run (docker exec pg_dump -Fc, streamed with
// sha256 into a multipart upload to a real S3-compatible server, then read back and compared),
// against a plain `docker exec pg_dump -Fc | cat > /dev/null` pipe of the same database in the same
// run. Berth's RSS is sampled every 50 ms during the backup: it must stay flat (streamed, never the
// whole dump in memory). Run: npm run bench:db-backup. Prints each run as it ends (a long run that is
// stopped early still says something) and the median of them all, with the machine's load average.
// BENCH_ROWS (default 600000, about 200 MB; 3100000 is about 1 GB) and BENCH_RUNS (default 3) change
// the size and runs.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../src/app.js'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { loadConfig } from '../src/config.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { machineLoad } from './support/route-bench.js'

const ROWS = Number(process.env.BENCH_ROWS ?? 600_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const IMAGE = 'berth-test/postgres:15'

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Runs a command: how many bytes it printed on stdout (a dump), and the text when `keepText`. */
function run(cmd: string, args: string[], keepText = false): Promise<{ bytes: number; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let bytes = 0
    let text = ''
    child.stdout.on('data', (c: Buffer) => {
      bytes += c.length
      if (keepText) text += c.toString()
    })
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve({ bytes, text: text.trim() }) : reject(new Error(`${cmd} ${args[0]} exited ${code}`)),
    )
  })
}

const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-dbbackup-'))
const s3Dir = mkdtempSync(join(tmpdir(), 'berth-bench-s3-'))
const port = 45_000 + Math.floor(Math.random() * 1000)
// The S3 server in its own process, so Berth's RSS below is Berth's alone.
const s3 = spawn(
  process.execPath,
  [
    'node_modules/s3rver/bin/s3rver.js',
    '-d',
    s3Dir,
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-s',
    '--configure-bucket',
    'bench',
  ],
  { stdio: 'ignore' },
)
const app = await buildApp({ config: loadConfig({ BERTH_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }) })
let databaseId: string | undefined
try {
  await app.startBackground()
  const owner = await app.users.create(
    { email: 'bench@example.com', password: 'bench-password-123', admin: true, teamName: 'Bench' },
    SYSTEM_ACTOR,
  )
  const actor = { ...SYSTEM_ACTOR, teamId: owner.teamId }
  const project = await app.projects.create(owner.teamId, { name: 'bench' }, actor)
  const db = await app.databases.create(
    owner.teamId,
    project.id,
    { type: 'postgresql', name: 'big', image: IMAGE },
    actor,
  )
  databaseId = db.uuid
  const [queued] = await app.deployments.queue(owner.teamId, [db.uuid], { trigger: 'api' }, actor)
  for (;;) {
    const d = await app.db
      .selectFrom('deployments')
      .select(['status', 'message'])
      .where('id', '=', queued!.deployment_uuid)
      .executeTakeFirstOrThrow()
    if (d.status === 'finished') break
    if (d.status === 'failed' || d.status === 'cancelled-by-user')
      throw new Error(`deploying the database failed: ${d.message}`)
    await sleep(500)
  }
  const container = `${composeProjectName(db.uuid)}-postgresql-1`
  const fillStarted = performance.now()
  await run('docker', [
    'exec',
    container,
    'psql',
    '-q',
    '-U',
    'berth',
    '-d',
    db.database,
    '-c',
    `CREATE TABLE big AS SELECT g AS id, ${Array.from({ length: 10 }, () => 'md5(random()::text)').join(' || ')} AS payload FROM generate_series(1, ${ROWS}) g`,
  ])
  const { text: size } = await run(
    'docker',
    [
      'exec',
      container,
      'psql',
      '-tA',
      '-U',
      'berth',
      '-d',
      db.database,
      '-c',
      'SELECT pg_database_size(current_database())',
    ],
    true,
  )
  process.stdout.write(
    `filled ${ROWS} rows in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s; database size ${mib(Number(size))}\n`,
  )

  const destination = await app.backupDestinations.create(
    owner.teamId,
    {
      kind: 's3',
      name: 'bench',
      s3: {
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        bucket: 'bench',
        prefix: '',
        path_style: true,
        access_key_id: 'S3RVER',
      },
      secret_access_key: 'S3RVER',
    },
    actor,
  )
  const pipes: number[] = []
  const totals: number[] = []
  const uploads: number[] = []
  const peaks: number[] = []
  const lows: number[] = []
  const highs: number[] = []
  const loads: string[] = []
  let dumpBytes = 0
  let artifact = 0
  for (let i = 0; i < RUNS; i++) {
    const loadBefore = machineLoad()
    const pipeStarted = performance.now()
    dumpBytes = (await run('docker', ['exec', container, 'pg_dump', '-Fc', '-U', 'berth', '-d', db.database])).bytes
    pipes.push(performance.now() - pipeStarted)

    global.gc?.()
    const before = process.memoryUsage().rss
    let peak = before
    let low = before
    const sampler = setInterval(() => {
      const rss = process.memoryUsage().rss
      peak = Math.max(peak, rss)
      low = Math.min(low, rss)
    }, 50)
    const started = performance.now()
    const queuedRun = await app.backupRuns.startBackup(
      owner.teamId,
      db.uuid,
      { destinationId: destination.id, jobId: null, encrypt: false, trigger: 'api' },
      actor,
    )
    await app.backupRuns.idle()
    totals.push(performance.now() - started)
    clearInterval(sampler)
    const done = await app.backupRuns.get(owner.teamId, queuedRun!.id)
    if (done.status !== 'succeeded') throw new Error(`the backup failed: ${done.message}`)
    artifact = Number(done.size_bytes)
    // Dump and upload end where the read-back begins (its log line's time).
    const lines = await app.backupRuns.log(owner.teamId, done.id)
    const stored = lines.find((l) => l.output.startsWith('Stored '))!
    uploads.push(Date.parse(stored.ts) - Date.parse(done.started_at!))
    peaks.push(peak - before)
    lows.push(low)
    highs.push(peak)
    loads.push(`${loadBefore} -> ${machineLoad()}`)
    process.stdout.write(
      `run ${i + 1}: pipe ${(pipes[i]! / 1000).toFixed(2)} s, dump + upload ${(uploads[i]! / 1000).toFixed(2)} s, ` +
        `whole run ${(totals[i]! / 1000).toFixed(2)} s, RSS ${mib(low)} .. ${mib(peak)}, ${loads[i]}\n`,
    )
  }
  const rate = (ms: number) => `${mib((artifact / ms) * 1000)}/s`
  process.stdout.write(
    [
      `database ${ROWS} rows; pg_dump -Fc output ${mib(dumpBytes)} (artifact ${mib(artifact)}); median of ${RUNS} runs`,
      `plain docker exec pg_dump | cat:          ${(median(pipes) / 1000).toFixed(2)} s  (${rate(median(pipes))})`,
      `Berth dump + S3 multipart upload:         ${(median(uploads) / 1000).toFixed(2)} s  (${rate(median(uploads))})`,
      `Berth whole run (+ read-back sha256):     ${(median(totals) / 1000).toFixed(2)} s`,
      `Berth RSS growth during the run (peak):   ${mib(median(peaks))} (largest ${mib(Math.max(...peaks))})`,
      `Berth RSS during the runs:                min ${mib(Math.min(...lows))}, max ${mib(Math.max(...highs))}`,
      `per run:                                  ${loads.join('; ')}`,
    ].join('\n') + '\n',
  )
} finally {
  await app.close()
  if (databaseId)
    await run('docker', ['compose', '--project-name', composeProjectName(databaseId), 'down', '--volumes']).catch(
      () => 0,
    )
  s3.kill()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(s3Dir, { recursive: true, force: true })
}

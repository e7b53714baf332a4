// Deployments: (1) platform overhead - a one-container deployment through Berth (API call to
// "finished", health gate included) side by side with a raw `docker compose up -d --wait` of the
// same file, once with a health check and once without (Berth then waits its 1 s stability window,
// which --wait does not); (2) history queries
// on a large SQLite database (1,000,000 deployments and 10,000,000 log lines by default; scale with
// BENCH_DEPLOYMENTS and BENCH_LOG_LINES). Run: npm run bench:deploy. Prints medians and p99s.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, openSqlite } from '../src/db/connection.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { findTeamDeployment, listActive, listForResource } from '../src/deployments/deployments.repo.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { startTestApp } from '../test/support/harness.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 1_000_000)
const LOG_LINES = Number(process.env.BENCH_LOG_LINES ?? 10_000_000)
const LOOKUPS = 2_000

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!
const p99 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * 0.99))]!
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const plainCompose = (i: number) =>
  `services:\n  web:\n    image: berth-test/busybox:1\n    command: httpd -f -p 80 -h /www\n    stop_grace_period: 1s\n    labels:\n      run: "${i}"\n`
// Checked every 250 ms, as a user who wants fast deploys would write it (start_interval needs Engine 25).
const checkedCompose = (i: number) =>
  `${plainCompose(i)}    healthcheck:\n      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]\n      interval: 250ms\n`
const down = (project: string) =>
  execFileSync(
    'docker',
    ['compose', '--project-name', project, 'down', '--volumes', '--remove-orphans', '--timeout', '0'],
    { stdio: 'ignore' },
  )

async function platformOverhead(kind: string, compose: (i: number) => string) {
  const t = await startTestApp()
  const rawDir = mkdtempSync(join(tmpdir(), 'berth-bench-raw-'))
  const rawProject = `bench-raw-${process.pid}`
  const projects = [rawProject]
  try {
    const token = await t.token(['root'])
    const projectId = (await t.call(token, 'POST', '/api/v1/projects', { name: 'bench' })).body.uuid
    const serviceId = (
      await t.call(token, 'POST', `/api/v1/projects/${projectId}/services`, { name: 'web', compose: compose(0) })
    ).body.uuid
    projects.push(composeProjectName(serviceId))
    const raw: number[] = []
    const berth: number[] = []
    const runRaw = async (run: number) => {
      // Raw: the same one-container file, straight through the CLI.
      mkdirSync(rawDir, { recursive: true })
      writeFileSync(join(rawDir, 'compose.yaml'), compose(run))
      const started = performance.now()
      execFileSync(
        'docker',
        ['compose', '--project-name', rawProject, '--file', 'compose.yaml', 'up', '-d', '--wait', '--remove-orphans'],
        { cwd: rawDir, stdio: 'ignore' },
      )
      const took = performance.now() - started
      down(rawProject)
      return took
    }
    const runBerth = async () => {
      // Berth: API call to "finished", woken by the event the worker publishes (no polling delay).
      const started = performance.now()
      const finished = new Promise<string>((resolve) => {
        const off = t.app.events.on('deployment.finished', (e) => {
          off()
          resolve(e.status)
        })
      })
      const res = await t.call(token, 'POST', '/api/v1/deploy', { uuid: serviceId })
      if (res.status !== 202) throw new Error(`deploy answered ${res.status}: ${JSON.stringify(res.body)}`)
      const status = await finished
      const took = performance.now() - started
      if (status !== 'finished') throw new Error(`the benchmark deployment ended ${status}`)
      down(composeProjectName(serviceId))
      return took
    }
    await runRaw(-1) // warm-up, not counted
    await runBerth()
    for (let run = 0; run < RUNS; run++) {
      // Alternate which goes first, so neither always follows the other's clean-up.
      if (run % 2 === 0) {
        raw.push(await runRaw(run))
        berth.push(await runBerth())
      } else {
        berth.push(await runBerth())
        raw.push(await runRaw(run))
      }
    }
    const ratio = median(berth) / median(raw)
    console.log(
      `one-container deployment ${kind}: raw docker compose up -d --wait median ${fmt(median(raw) / 1000, 2)} s (runs: ${raw.map((r) => fmt(r / 1000, 2)).join(', ')})`,
    )
    console.log(
      `                          through Berth (API to finished) median ${fmt(median(berth) / 1000, 2)} s (runs: ${berth.map((r) => fmt(r / 1000, 2)).join(', ')})`,
    )
    console.log(`                          overhead ratio ${fmt(ratio, 2)}x (target <= 1.15x)`)
  } finally {
    for (const p of projects) down(p)
    rmSync(rawDir, { recursive: true, force: true })
    await t.close()
  }
}

async function historyQueries() {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-history-'))
  try {
    const path = join(dir, 'berth.db')
    const database = openDatabase({ dialect: 'sqlite', path })
    await migrateToLatest(database.db, 'sqlite')
    await database.close()

    // Bulk load with raw prepared statements: 100 teams, 10,000 resources, a few active per team.
    const sqlite = openSqlite(path)
    const TEAMS = 100
    const RESOURCES = 10_000
    const insertDeployment =
      sqlite.prepare(`insert into deployments (id, team_id, resource_type, resource_id, resource_name, server_id, server_name, action, status, trigger, compose_version, force, pull_latest_images, stop_before_start, exit_code, message, created_by, created_at, started_at, finished_at)
      values (?, ?, ?, ?, ?, 'server-1', 'localhost', 'deploy', ?, 'api', 1, 0, 0, 0, 0, null, 'bench', ?, ?, ?)`)
    const insertLog = sqlite.prepare(
      `insert into deployment_logs (deployment_id, seq, ts, stream, output, hidden) values (?, ?, ?, 'stdout', ?, 0)`,
    )
    const idOf = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`
    const resourceOf = (r: number) => `10000000-0000-4000-8000-${r.toString(16).padStart(12, '0')}`
    const linesPer = Math.max(1, Math.floor(LOG_LINES / DEPLOYMENTS))
    const base = Date.parse('2025-01-01T00:00:00.000Z')
    const loadStarted = performance.now()
    const load = sqlite.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const r = i % RESOURCES
        const team = `team-${r % TEAMS}`
        const at = new Date(base + i * 1000).toISOString()
        const status =
          i >= DEPLOYMENTS - 500 ? (i % 2 ? 'queued' : 'in_progress') : i % 10 === 0 ? 'failed' : 'finished'
        insertDeployment.run(
          idOf(i),
          team,
          r % 5 === 0 ? 'database' : 'service',
          resourceOf(r),
          `res-${r}`,
          status,
          at,
          at,
          status === 'finished' || status === 'failed' ? at : null,
        )
        for (let s = 1; s <= linesPer; s++)
          insertLog.run(
            idOf(i),
            s,
            at,
            `#${s} step output line for deployment ${i}, layer sha256:${(i * 31 + s).toString(16)}`,
          )
      }
    })
    for (let i = 0; i < DEPLOYMENTS; i += 10_000) load(i, Math.min(DEPLOYMENTS, i + 10_000))
    sqlite.pragma('wal_checkpoint(TRUNCATE)')
    sqlite.exec('analyze')
    sqlite.close()
    console.log(
      `loaded ${fmt(DEPLOYMENTS)} deployments and ${fmt(DEPLOYMENTS * linesPer)} log lines in ${fmt((performance.now() - loadStarted) / 1000, 1)} s`,
    )

    const reopened = openDatabase({ dialect: 'sqlite', path })
    const db = reopened.db
    const time = async (fn: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < 50; i++) await fn(i) // warm up
      const samples: number[] = []
      for (let i = 0; i < LOOKUPS; i++) {
        const t0 = performance.now()
        await fn(i)
        samples.push(performance.now() - t0)
      }
      return samples
    }
    const rand = (n: number) => Math.floor(Math.random() * n)
    const byUuid = await time(async () => {
      const i = rand(DEPLOYMENTS)
      await findTeamDeployment(db, `team-${(i % RESOURCES) % TEAMS}`, idOf(i))
    })
    const history = await time(async () => {
      const r = rand(RESOURCES)
      await listForResource(db, {
        teamId: `team-${r % TEAMS}`,
        type: r % 5 === 0 ? 'database' : 'service',
        resourceId: resourceOf(r),
        skip: rand(5) * 10,
        take: 10,
      })
    })
    const active = await time(async () => {
      await listActive(db, `team-${rand(TEAMS)}`)
    })
    await reopened.close()
    const line = (name: string, s: number[], target: number) =>
      console.log(`${name}: p50 ${fmt(median(s), 3)} ms, p99 ${fmt(p99(s), 3)} ms (target p99 < ${target} ms)`)
    line('deployment by uuid', byUuid, 5)
    line("one resource's paginated history (count + page of 10)", history, 10)
    line('team-wide queued/in-progress list', active, 20)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.env.BENCH_SKIP_DOCKER !== '1') {
  await platformOverhead('with a health check', checkedCompose)
  await platformOverhead('without a health check', plainCompose)
}
if (process.env.BENCH_SKIP_HISTORY !== '1') await historyQueries()

#!/usr/bin/env node
// Runs the test suite: format and lint (Biome), a type check (server and web UI), then every *.test.ts under src/ and test/ on SQLite, then the
// integration tests (test/, less SQLITE_ONLY below) again on a throw-away PostgreSQL server this script starts on
// loopback. Each pass runs its files two at a time, then those of EXCLUSIVE below one at a time.
// Ends with one plain summary line: "N passed, N failed, N skipped".
//   node scripts/test.mjs            everything (what `npm test` and CI run)
//   node scripts/test.mjs backups    only files whose path contains "backups", SQLite only
//   BERTH_TEST_DIALECTS=postgres node scripts/test.mjs backups   the same on PostgreSQL
//   BERTH_TEST_CONCURRENCY=1 node scripts/test.mjs               every file one after another
import { spawn, spawnSync } from 'node:child_process'
import { startPostgres } from './postgres-server.mjs'
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const filters = process.argv.slice(2)
const dialects = (process.env.BERTH_TEST_DIALECTS ?? (filters.length === 0 ? 'sqlite,postgres' : 'sqlite')).split(',')

function findTests(dir) {
  const found = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) found.push(...findTests(path))
    else if (name.endsWith('.test.ts')) found.push(relative(root, path))
  }
  return found
}

const files = ['src', 'test']
  .flatMap((dir) => findTests(join(root, dir)))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort()
// node --test given no file would run every file it finds (this script included).
if (files.length === 0) {
  console.log(`no test file matches ${filters.join(' ')}\n0 passed, 1 failed, 0 skipped`)
  process.exit(1)
}

// Test files run BERTH_TEST_CONCURRENCY (default 2) at a time: most of a file's time is waiting (on
// the engine, a health gate, a started Berth, a timer) while CI's 2 cores sit idle. These files cannot
// share the machine and run afterwards, one at a time. When in doubt a file belongs here: a failure
// that shows only with company is a flaky test in CI.
const EXCLUSIVE = [
  // Stop a dockerd, fill a disk on a tmpfs, kill Berth's process group, restart a PostgreSQL server,
  // and measure what Berth does about it in seconds.
  /^test\/faults\//,
  // Fail a sibling's deployment once its heartbeats are stale and recover stale deployments after a
  // SIGKILL: bounds in seconds that a busy machine stretches.
  /^test\/deployments-(multi-process|restart|timeout)\.test\.ts$/,
  // Kill Berth (or its proxy writer) at given milliseconds and expect the state at that moment.
  /^test\/(proxy-crash|notifications-kill|database-backups-interrupted)\.test\.ts$/,
  // Notification windows, the terminal's idle timeout and the build deadline: elapsed-time bounds.
  /^test\/(notifications-grouping|terminal\.api|git-deploy\.e2e)\.test\.ts$/,
  // The disk_low check reads the machine's real free space, which other files' images and data change.
  /^test\/notifications-disk\.test\.ts$/,
  // Asserts the deployment page scrolls and searches a 100,000-line log within 5 s.
  /^test\/ui-deployments\.browser\.test\.ts$/,
]
const concurrency = Math.max(1, Number(process.env.BERTH_TEST_CONCURRENCY ?? 2) || 1)

/**
 * Where a shared file starts: the long kinds (browser, end-to-end, security) first, the quick unit
 * tests under src/ last, so that they fill the cores at the end instead of one long file running
 * alone. Within a kind the order stays alphabetical (sort is stable).
 */
function startOrder(file) {
  if (/\.(browser|e2e)\.test\.ts$|^test\/security\//.test(file)) return 0
  return file.startsWith('test/') ? 1 : 2
}

// A part that runs longer than this is stopped and fails the run, naming the files that had not
// finished: a test file whose process never exits (a child it started and did not stop after a
// failed hook) would otherwise hold CI until its 90-minute limit and report nothing.
const PART_TIMEOUT_MINUTES = Number(process.env.BERTH_TEST_PART_TIMEOUT_MINUTES ?? 25) || 25
/** The test processes running now (a process group each), stopped with this script. */
const runningParts = new Set()
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    for (const pid of runningParts) killGroup(pid)
    process.exit(1)
  })

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch (error) {
    // Already gone: nothing left to stop.
    if (error.code !== 'ESRCH') throw error
  }
}

/** Runs the files with node --test, `at` files at a time; the exit status, or 'timeout'. */
function runFiles(dialect, passFiles, at, part, env, summaryFile) {
  // The summary reporter appends each file as its process ends, so a stopped part can name the rest.
  const progressFile = `${summaryFile}.${dialect}.progress`
  writeFileSync(progressFile, '')
  // Its own process group (detached), so a stop reaches every test file's process and what they started.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${at}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=./test/support/summary-reporter.mjs',
      '--test-reporter-destination=stdout',
      ...passFiles,
    ],
    {
      cwd: root,
      stdio: 'inherit',
      detached: true,
      env: {
        ...process.env,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
        BERTH_TEST_DIALECT: dialect,
        BERTH_TEST_PASS: dialect,
        BERTH_TEST_PART: part,
        BERTH_TEST_SUMMARY_FILE: summaryFile,
        BERTH_TEST_PROGRESS_FILE: progressFile,
        ...env,
      },
    },
  )
  runningParts.add(child.pid)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      const finished = new Set(readFileSync(progressFile, 'utf8').split('\n').filter(Boolean))
      const unfinished = passFiles.filter((f) => !finished.has(join(root, f)))
      console.log(
        `\n${dialect} (${part}) did not finish within ${PART_TIMEOUT_MINUTES} minutes (BERTH_TEST_PART_TIMEOUT_MINUTES); stopped it. Files that had not finished:\n${unfinished.map((f) => `  ${f}`).join('\n')}`,
      )
      killGroup(child.pid)
      resolve('timeout')
    }, PART_TIMEOUT_MINUTES * 60_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      runningParts.delete(child.pid)
      resolve(code ?? 1)
    })
  })
}

/** Wall time of each pass's parts, for the slowest-files listing. */
const wallTimes = {}

/** Parts stopped at their time limit: each counts as a failure (their summary never came). */
let timedOutParts = 0

/** Runs a pass: the shareable files `concurrency` at a time, then the exclusive ones alone; true when it passed. */
async function runPass(dialect, passFiles, env, summaryFile) {
  const alone = passFiles.filter((f) => EXCLUSIVE.some((re) => re.test(f)))
  const shared = passFiles.filter((f) => !alone.includes(f)).sort((a, b) => startOrder(a) - startOrder(b))
  const parts = [
    [shared, concurrency, `${concurrency} at a time`],
    [alone, 1, 'alone'],
  ].filter(([partFiles]) => partFiles.length > 0)
  let passed = true
  wallTimes[dialect] = []
  for (const [partFiles, at, part] of parts) {
    const started = Date.now()
    const status = await runFiles(dialect, partFiles, at, part, env, summaryFile)
    if (status === 'timeout') timedOutParts++
    passed = status === 0 && passed
    wallTimes[dialect].push(
      `${partFiles.length} file${partFiles.length === 1 ? '' : 's'} ${part} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    )
  }
  return passed
}

/** Runs one static check (npx + args); true when it passed. */
function staticCheck(args) {
  return spawnSync('npx', args, { cwd: root, stdio: 'inherit' }).status === 0
}

if (filters.length === 0) {
  // Formatting and lint rules first (seconds), then the type checks of the server and the web UI.
  const checks = [
    ['format and lint', ['biome', 'check', '.']],
    ['type check', ['tsc', '-p', 'tsconfig.check.json']],
    ['type check of the web UI', ['tsc', '-p', 'web/tsconfig.json']],
  ]
  const failed = checks.find(([, args]) => !staticCheck(args))
  if (failed) {
    console.log(
      `${failed[0]} failed${failed[0] === 'format and lint' ? ' (npx biome check --write . fixes most of it)' : ''}`,
    )
    console.log('0 passed, 1 failed, 0 skipped')
    process.exit(1)
  }
}

// What the PostgreSQL pass leaves out of a full run (CI's 40-minute budget): the browser tests and
// the proxies' end-to-end tests exercise the UI and the rendered proxy configuration over the same
// API, whichever database stores it, and the templates' end-to-end test deploys what the templates
// API (run on both) stored, the Git clone over ssh:// exercises ssh and Git only, and restore
// verification runs the engines' own checks in throw-away containers (the run record it writes is
// the one database-backups.e2e covers on both); the
// deployments, backups, Git, proxy runtime and fault suites
// that do depend on the database run on both. A filter given by hand runs what it names on both.
const SQLITE_ONLY =
  /\.browser\.test\.ts$|^test\/(caddy|traefik[a-z-]*|routes-live|network-isolation|templates|git-ssh|database-backups-verify)\.e2e\.test\.ts$/

/**
 * The cases a skipped suite declares, read from its file's text (node:test does not run a skipped
 * suite's body): the `it(` calls from its `describe(` line to the next top-level `describe(`.
 */
function itCalls(file, suite) {
  if (!existsSync(file)) return 0
  const lines = readFileSync(file, 'utf8').split('\n')
  const start = lines.findIndex((l) => /^describe\(/.test(l) && l.includes(suite))
  if (start < 0) return 0
  const end = lines.findIndex((l, i) => i > start && /^describe\(/.test(l))
  return lines.slice(start, end < 0 ? undefined : end).filter((l) => /^\s*it\(/.test(l)).length
}

const summaryFile = join(mkdtempSync(join(tmpdir(), 'berth-summary-')), 'summary.jsonl')
const SLOWEST_SHOWN = 15

/**
 * Prints the pass's wall time and its slowest test files (wall time of each file's process, which
 * overlap when files share the machine): where CI's 40 minutes go.
 */
function printSlowest(dialect) {
  if (!existsSync(summaryFile)) return
  // One line per part of the pass (the shared files, then the exclusive ones).
  const durations = readFileSync(summaryFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((p) => p.pass === dialect)
    .flatMap((p) => Object.entries(p.fileDurations ?? {}))
  if (durations.length === 0) return
  const total = durations.reduce((sum, [, ms]) => sum + ms, 0)
  console.log(`\n${dialect}: ${wallTimes[dialect].join(', then ')}`)
  console.log(
    `${dialect}: the ${Math.min(SLOWEST_SHOWN, durations.length)} slowest of ${durations.length} test files (${(total / 1000).toFixed(0)} s in all):`,
  )
  for (const [file, ms] of durations.sort((a, b) => b[1] - a[1]).slice(0, SLOWEST_SHOWN))
    console.log(`${(ms / 1000).toFixed(1).padStart(8)} s  ${relative(root, file)}`)
}

let failedPasses = 0
let extraFailures = 0
/** The files of each pass that could not run at all, to count their cases as skipped. */
const skippedPasses = []
for (const dialect of dialects) {
  if (dialect === 'sqlite') {
    failedPasses += (await runPass('sqlite', files, {}, summaryFile)) ? 0 : 1
    printSlowest('sqlite')
    continue
  }
  const integration = files.filter((f) => f.startsWith('test/') && (filters.length > 0 || !SQLITE_ONLY.test(f)))
  if (integration.length === 0) continue
  const server = await startPostgres()
  if (server.error) {
    // In CI a missing database server must fail the run, never quietly shrink it.
    if (process.env.CI === 'true') {
      console.log(`postgres: ${server.error}`)
      extraFailures++
    } else {
      console.log(`postgres: pass skipped: ${server.error}`)
      skippedPasses.push(integration)
    }
    continue
  }
  try {
    failedPasses += (await runPass('postgres', integration, { BERTH_TEST_POSTGRES_URL: server.url }, summaryFile))
      ? 0
      : 1
  } finally {
    server.stop()
  }
  printSlowest('postgres')
}

const totals = { passed: 0, failed: extraFailures + timedOutParts, skipped: 0 }
const failures = []
const casesByFile = {}
const casesBySuite = {}
const skippedSuites = []
for (const line of existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8').split('\n').filter(Boolean) : []) {
  const pass = JSON.parse(line)
  totals.passed += pass.passed
  totals.failed += pass.failed
  totals.skipped += pass.skipped
  failures.push(...pass.failures)
  Object.assign(casesByFile, pass.casesByFile)
  Object.assign(casesBySuite, pass.casesBySuite)
  skippedSuites.push(...pass.skippedSuites)
}
// A suite skipped whole counts its cases: as the other pass ran them, else the `it(` calls of its file.
for (const { key, file, name } of skippedSuites) totals.skipped += casesBySuite[key] ?? Math.max(1, itCalls(file, name))
// A pass that could not run skipped every case its files hold (as counted by the pass that ran them).
for (const passFiles of skippedPasses)
  for (const file of passFiles) totals.skipped += casesByFile[join(root, file)] ?? 0
// Every pass's failures once more at the end, where a reader of CI's output looks first.
for (const f of failures) console.log(`\nFAILED ${f.test}\n${f.error.replace(/^/gm, '  | ')}`)
// A crashed pass may report nothing; count it so the total can never read as green.
if (failedPasses > 0 && totals.failed === 0) totals.failed = failedPasses
if (files.length > 0 && totals.passed + totals.failed + totals.skipped === 0) {
  console.log('no test result was reported although test files ran')
  totals.failed = 1
}
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
process.exit(totals.failed > 0 ? 1 : 0)

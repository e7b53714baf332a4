#!/usr/bin/env node
// Runs the test suite: format and lint (Biome), a type check (server and web UI), then every *.test.ts under src/ and test/ on SQLite, then the
// integration tests (test/, less SQLITE_ONLY below) again on a throw-away PostgreSQL server this script starts on
// loopback. Ends with one plain summary line: "N passed, N failed, N skipped".
//   node scripts/test.mjs            everything (what `npm test` and CI run)
//   node scripts/test.mjs backups    only files whose path contains "backups", SQLite only
//   BERTH_TEST_DIALECTS=postgres node scripts/test.mjs backups   the same on PostgreSQL
import { spawnSync } from 'node:child_process'
import { startPostgres } from './postgres-server.mjs'
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs'
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

function runPass(dialect, passFiles, env, summaryFile) {
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=./test/support/summary-reporter.mjs',
      '--test-reporter-destination=stdout',
      ...passFiles,
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
        BERTH_TEST_DIALECT: dialect,
        BERTH_TEST_PASS: dialect,
        BERTH_TEST_SUMMARY_FILE: summaryFile,
        ...env,
      },
    },
  )
  return run.status ?? 1
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

/** Prints the pass's slowest test files (wall time of each file's process): where CI's 40 minutes go. */
function printSlowest(dialect) {
  if (!existsSync(summaryFile)) return
  const pass = readFileSync(summaryFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .findLast((p) => p.pass === dialect)
  const durations = Object.entries(pass?.fileDurations ?? {})
  if (durations.length === 0) return
  const total = durations.reduce((sum, [, ms]) => sum + ms, 0)
  console.log(
    `\n${dialect}: the ${Math.min(SLOWEST_SHOWN, durations.length)} slowest of ${durations.length} test files (${(total / 1000).toFixed(0)} s in all):`,
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
    failedPasses += runPass('sqlite', files, {}, summaryFile) === 0 ? 0 : 1
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
    failedPasses += runPass('postgres', integration, { BERTH_TEST_POSTGRES_URL: server.url }, summaryFile) === 0 ? 0 : 1
  } finally {
    server.stop()
  }
  printSlowest('postgres')
}

const totals = { passed: 0, failed: extraFailures, skipped: 0 }
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

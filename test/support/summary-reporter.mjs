import { appendFileSync } from 'node:fs'

const STDERR_LINES_KEPT = 40
const ERROR_LINES_KEPT = 40

// A node:test reporter that prints one closing line per node --test run ("sqlite: N passed, N failed, N skipped")
// and appends the counts to BERTH_TEST_SUMMARY_FILE, from which scripts/test.mjs prints the total.
// A test file whose process exits badly after its tests passed is reported with its exit code and
// its last stderr lines, next to the summary: CI output is often read from the end only. For the
// same reason each failed test's error goes into the summary file, and scripts/test.mjs prints them
// all again just before the total (the SQLite pass's failures would otherwise sit mid-output).
export default async function* summaryReporter(source) {
  let passed = 0
  let failed = 0
  let skipped = 0
  const stderrByFile = new Map()
  const crashes = []
  const failures = []
  // Leaf cases per file: a pass that cannot run (no PostgreSQL outside CI) counts the other pass's cases as skipped.
  const casesByFile = {}
  // Leaf cases per top-level suite ("file > name"), and the top-level suites skipped whole: node:test
  // never runs a skipped suite's body, so its cases are counted by scripts/test.mjs from the pass
  // that ran it, or from its file.
  const casesBySuite = {}
  const skippedSuites = []
  const leavesSinceSuite = new Map()
  // Wall time of each test file's process (node:test completes a file as a test named by its path),
  // from which scripts/test.mjs prints the slowest files of the pass: CI's 40-minute budget.
  const fileDurations = {}
  for await (const event of source) {
    if (event.type === 'test:complete' && event.data.nesting === 0 && event.data.name === event.data.file) {
      fileDurations[event.data.file] = event.data.details?.duration_ms ?? 0
      // scripts/test.mjs names the files that never got here when it stops a part at its time limit.
      if (process.env.BERTH_TEST_PROGRESS_FILE)
        appendFileSync(process.env.BERTH_TEST_PROGRESS_FILE, `${event.data.file}\n`)
      continue
    }
    if (event.type === 'test:stderr') {
      const lines = stderrByFile.get(event.data.file) ?? []
      lines.push(...event.data.message.split('\n').filter(Boolean))
      stderrByFile.set(event.data.file, lines.slice(-STDERR_LINES_KEPT))
      continue
    }
    // Suites report too; count only leaf tests so the figures mean test cases.
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const error = event.data.details?.error
    if (
      event.type === 'test:fail' &&
      event.data.nesting === 0 &&
      error?.failureType === 'testCodeFailure' &&
      (error.exitCode != null || error.signal != null)
    ) {
      crashes.push({ file: event.data.file ?? event.data.name, exitCode: error.exitCode, signal: error.signal })
    }
    if (event.data.details?.type === 'suite') {
      const file = event.data.file ?? '?'
      if (event.data.nesting === 0) {
        const key = `${file} > ${event.data.name}`
        if (event.data.skip) skippedSuites.push({ key, file, name: event.data.name })
        else casesBySuite[key] = leavesSinceSuite.get(file) ?? 0
        leavesSinceSuite.delete(file)
      } else if (event.data.skip) skipped++
      if (event.type === 'test:fail' && error?.failureType !== 'subtestsFailed') failed++
      continue
    }
    if (event.data.file) casesByFile[event.data.file] = (casesByFile[event.data.file] ?? 0) + 1
    leavesSinceSuite.set(event.data.file, (leavesSinceSuite.get(event.data.file) ?? 0) + 1)
    if (event.data.skip || event.data.todo) skipped++
    else if (event.type === 'test:pass') passed++
    else {
      failed++
      const text = String(error?.cause?.stack ?? error?.cause ?? error?.message ?? error)
      failures.push({
        test: `${process.env.BERTH_TEST_PASS ?? 'tests'}: ${event.data.file ?? '?'} > ${event.data.name}`,
        error: text.split('\n').slice(0, ERROR_LINES_KEPT).join('\n'),
      })
    }
  }
  for (const crash of crashes) {
    yield `\n${crash.file} exited with ${crash.signal ? `signal ${crash.signal}` : `code ${crash.exitCode}`}; its last stderr lines:\n`
    yield `${(stderrByFile.get(crash.file) ?? ['(none)']).map((line) => `  | ${line}`).join('\n')}\n`
  }
  if (process.env.BERTH_TEST_SUMMARY_FILE)
    appendFileSync(
      process.env.BERTH_TEST_SUMMARY_FILE,
      `${JSON.stringify({ pass: process.env.BERTH_TEST_PASS ?? 'tests', passed, failed, skipped, failures, casesByFile, casesBySuite, skippedSuites, fileDurations })}\n`,
    )
  const whole = skippedSuites.length > 0 ? ` (and ${skippedSuites.length} suites skipped whole)` : ''
  // A pass runs in parts (files that share the machine, then those that run alone): one line each.
  const part = process.env.BERTH_TEST_PART ? ` (${process.env.BERTH_TEST_PART})` : ''
  yield `\n${process.env.BERTH_TEST_PASS ?? 'tests'}${part}: ${passed} passed, ${failed} failed, ${skipped} skipped${whole}\n`
}

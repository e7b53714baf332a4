import { appendFileSync } from 'node:fs'

// A node:test reporter that prints one closing line per pass ("sqlite: N passed, N failed, N skipped")
// and appends the counts to BERTH_TEST_SUMMARY_FILE, from which scripts/test.mjs prints the total.
export default async function* summaryReporter(source) {
  let passed = 0
  let failed = 0
  let skipped = 0
  for await (const event of source) {
    // Suites report too; count only leaf tests so the figures mean test cases.
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    if (event.data.details?.type === 'suite') {
      if (event.data.skip) skipped++
      if (event.type === 'test:fail' && event.data.details.error?.failureType !== 'subtestsFailed') failed++
      continue
    }
    if (event.data.skip || event.data.todo) skipped++
    else if (event.type === 'test:pass') passed++
    else failed++
  }
  if (process.env.BERTH_TEST_SUMMARY_FILE) appendFileSync(process.env.BERTH_TEST_SUMMARY_FILE, `${JSON.stringify({ passed, failed, skipped })}\n`)
  yield `\n${process.env.BERTH_TEST_PASS ?? 'tests'}: ${passed} passed, ${failed} failed, ${skipped} skipped\n`
}

// A node:test reporter that prints only the closing line CI reads: "N passed, N failed, N skipped".
export default async function* summaryReporter(source) {
  let passed = 0
  let failed = 0
  let skipped = 0
  for await (const event of source) {
    // Suites report too; count only leaf tests so the figures mean test cases.
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    if (event.data.details?.type === 'suite') {
      if (event.type === 'test:fail' && event.data.details.error?.failureType !== 'subtestsFailed') failed++
      continue
    }
    if (event.data.skip || event.data.todo) skipped++
    else if (event.type === 'test:pass') passed++
    else failed++
  }
  yield `\n${passed} passed, ${failed} failed, ${skipped} skipped\n`
}

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT } from './support/cli.js'

// A test file whose process never exits (a child it started and no failed hook stopped) held the
// last CI past its 90 minutes with nothing reported. scripts/test.mjs now stops a part at its limit.
describe('the test runner', () => {
  it('stops a part past its time limit, names the file that did not finish, fails the run and leaves no child behind', () => {
    const name = `runner-probe-${process.pid}.test.ts`
    const probe = join(REPO_ROOT, 'test', name)
    // A sleep whose argument no other process has, to look for it afterwards.
    const seconds = `299.${process.pid}`
    // The child outlives the test case and keeps the file's process alive, as sshd did.
    writeFileSync(
      probe,
      `import { spawn } from 'node:child_process'\nimport { it } from 'node:test'\nit('leaves a child running', () => {\n  spawn('sleep', ['${seconds}'], { stdio: 'ignore' })\n})\n`,
    )
    try {
      // Not as a child of this test run: node:test would make the inner run report to this one.
      const { NODE_TEST_CONTEXT: _, ...env } = process.env
      const run = spawnSync(process.execPath, ['scripts/test.mjs', name], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...env, BERTH_TEST_PART_TIMEOUT_MINUTES: '0.15', BERTH_TEST_DIALECTS: 'sqlite' },
        timeout: 60_000,
      })
      assert.equal(run.status, 1, run.stdout)
      assert.match(run.stdout, /did not finish within 0\.15 minutes/)
      assert.match(run.stdout, new RegExp(`Files that had not finished:\\n  test/${name.replace('.', '\\.')}`))
      assert.match(run.stdout, /\n0 passed, 1 failed, 0 skipped\n$/)
      const left = spawnSync('pgrep', ['-f', `sleep ${seconds}`], { encoding: 'utf8' })
      assert.equal(left.stdout.trim(), '', 'the probe child was stopped with its part')
    } finally {
      rmSync(probe, { force: true })
    }
  })
})

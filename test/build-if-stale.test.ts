// `npm start` rebuilds only when something changed: its prestart (scripts/build-if-stale.mjs) is
// run here in a copy of the layout whose `build` script only writes the two outputs, so the test
// shows the decision (fresh clone, nothing changed, a source touched) in about a second instead of
// a real tsc + vite build.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { REPO_ROOT } from './support/cli.js'

const FAKE_BUILD =
  "node -e \"const fs=require('fs');fs.mkdirSync('dist/web',{recursive:true});fs.writeFileSync('dist/cli.js','');fs.writeFileSync('dist/web/index.html','');console.log('FAKE BUILD RAN')\""

describe('npm start rebuilds only what changed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-prestart-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'))
  mkdirSync(join(dir, 'scripts'))
  mkdirSync(join(dir, 'src'))
  mkdirSync(join(dir, 'web/src'), { recursive: true })
  copyFileSync(join(REPO_ROOT, 'scripts/build-if-stale.mjs'), join(dir, 'scripts/build-if-stale.mjs'))
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'prestart-fixture',
      private: true,
      scripts: { prestart: scripts.prestart, build: FAKE_BUILD },
    }),
  )
  writeFileSync(join(dir, 'package-lock.json'), '{}')
  writeFileSync(join(dir, 'tsconfig.json'), '{}')
  writeFileSync(join(dir, 'src/cli.ts'), '')
  writeFileSync(join(dir, 'web/src/App.tsx'), '')

  const prestart = () => {
    const run = spawnSync('npm', ['run', '--silent', 'prestart'], { cwd: dir, encoding: 'utf8', timeout: 60_000 })
    assert.equal(run.status, 0, run.stderr)
    return run.stdout
  }
  const outputTimes = () => ['dist/cli.js', 'dist/web/index.html'].map((f) => statSync(join(dir, f)).mtimeMs)
  /** Sets a file's modification time `seconds` from now (ahead of anything written so far). */
  const touch = (file: string, seconds: number) => {
    const at = new Date(Date.now() + seconds * 1000)
    utimesSync(join(dir, file), at, at)
  }

  it('builds a fresh clone, skips the build when nothing changed, and builds again after a source changed', () => {
    assert.equal(scripts.prestart, 'node scripts/build-if-stale.mjs', 'npm start runs the check, not the build')

    const first = prestart()
    assert.match(first, /building, dist\/cli\.js does not exist/)
    assert.match(first, /FAKE BUILD RAN/)
    const built = outputTimes()

    const second = prestart()
    assert.match(second, /up to date/)
    assert.doesNotMatch(second, /FAKE BUILD RAN/)
    assert.deepEqual(outputTimes(), built, 'the outputs were not rewritten')

    for (const [i, input] of ['src/cli.ts', 'web/src/App.tsx', 'tsconfig.json', 'package-lock.json'].entries()) {
      touch(input, 10 * (i + 1))
      const again = prestart()
      assert.match(again, new RegExp(`building, ${input.replace(/\./g, '\\.')} changed after the last build`))
      assert.match(again, /FAKE BUILD RAN/)
      // The fake build writes now; move the outputs past the touched input, as a real build's would be.
      touch('dist/cli.js', 10 * (i + 1) + 1)
      touch('dist/web/index.html', 10 * (i + 1) + 1)
      assert.match(prestart(), /up to date/)
    }
  })
})

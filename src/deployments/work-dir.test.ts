import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { composeSteps } from './deployment-runner.js'
import { attachToNetwork, renderEnvFile, writeWorkDir } from './work-dir.js'

describe('deployment work dir', () => {
  it('attaches routed services to the external network and keeps their default network', () => {
    const yaml =
      'services:\n  web:\n    image: a\n  api:\n    image: b\n    networks: [backend]\n  db:\n    image: c\nnetworks:\n  backend: {}\n'
    const out = parse(attachToNetwork(yaml, 'berth', ['web', 'api', 'missing']))
    assert.deepEqual(out.services.web.networks, ['default', 'berth'])
    assert.deepEqual(out.services.api.networks, ['backend', 'berth'])
    assert.equal(out.services.db.networks, undefined)
    assert.deepEqual(out.networks.berth, { name: 'berth', external: true })
    assert.equal(attachToNetwork(yaml, 'berth', []), yaml, 'nothing to attach leaves the file as it was')
  })

  it('gives each attached service the alias the proxy dials, in every networks form', () => {
    const yaml =
      'services:\n  web:\n    image: a\n  api:\n    image: b\n    networks: [backend]\n  worker:\n    image: c\n    networks:\n      backend: {}\nnetworks:\n  backend: {}\n'
    const out = parse(attachToNetwork(yaml, 'berth', ['web', 'api', 'worker'], (name) => `${name}.svc-1`))
    assert.deepEqual(out.services.web.networks, { default: null, berth: { aliases: ['web.svc-1'] } })
    assert.deepEqual(out.services.api.networks, { backend: null, berth: { aliases: ['api.svc-1'] } })
    assert.deepEqual(out.services.worker.networks, { backend: {}, berth: { aliases: ['worker.svc-1'] } })
  })

  it('writes compose.yaml and a 0600 .env whose values Compose reads back exactly', (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-work-'))
    try {
      const env = { PLAIN: 'a b $HOME ${X} "q"', QUOTE: "it's", MULTI: 'line1\nline2', BACKSLASH: 'c:\\path\\$x' }
      const compose =
        'services:\n  app:\n    image: busybox\n    environment:\n      PLAIN: ${PLAIN}\n      QUOTE: ${QUOTE}\n      MULTI: ${MULTI}\n      BACKSLASH: ${BACKSLASH}\n'
      const dir = writeWorkDir(dataDir, 'r1', { composeYaml: compose, envFile: renderEnvFile(env) })
      assert.equal(statSync(join(dir, '.env')).mode & 0o777, 0o600)
      assert.equal(statSync(dir).mode & 0o777, 0o700)
      let config: string
      try {
        config = execFileSync(
          'docker',
          [
            'compose',
            '--project-name',
            'envcheck',
            '--file',
            'compose.yaml',
            '--env-file',
            '.env',
            'config',
            '--format',
            'json',
          ],
          { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
        )
      } catch (error) {
        // Reported as skipped, not passed, where Docker is missing; in CI it must be there.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && process.env.CI !== 'true') {
          t.skip('docker is not installed')
          return
        }
        throw error
      }
      // `config` prints a literal $ escaped as $$ (so its output is itself a valid compose file).
      const seen = Object.fromEntries(
        Object.entries(JSON.parse(config).services.app.environment as Record<string, string>).map(([k, v]) => [
          k,
          v.replace(/\$\$/g, '$'),
        ]),
      )
      assert.deepEqual(seen, env)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('plans the compose steps for each action and option', () => {
    const base = { pull_latest_images: 0, stop_before_start: 0 }
    assert.deepEqual(composeSteps({ ...base, action: 'deploy' }), [['up', '-d', '--remove-orphans']])
    assert.deepEqual(composeSteps({ action: 'deploy', pull_latest_images: 1, stop_before_start: 1 }), [
      ['down', '--remove-orphans'],
      ['pull'],
      ['up', '-d', '--remove-orphans'],
    ])
    assert.deepEqual(composeSteps({ ...base, action: 'restart' }), [
      ['down', '--remove-orphans'],
      ['up', '-d', '--remove-orphans'],
    ])
    assert.deepEqual(composeSteps({ ...base, action: 'stop' }), [['stop']])
    assert.deepEqual(
      composeSteps({ ...base, action: 'remove' }),
      [['down', '--remove-orphans']],
      'volumes are kept unless asked',
    )
    assert.deepEqual(composeSteps({ ...base, action: 'remove', remove_volumes: 1 }), [
      ['down', '--volumes', '--remove-orphans'],
    ])
  })
})

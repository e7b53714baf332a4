import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { parse } from 'yaml'
import { startTestAppIn } from './support/harness.js'

const CHILD = new URL('./support/proxy-sync-child.ts', import.meta.url).pathname

function runAndKill(dataDir: string, afterReadyMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) setTimeout(() => child.kill('SIGKILL'), afterReadyMs)
    })
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL'
        ? resolve()
        : reject(new Error(`the sync child exited with ${code ?? signal} before it was killed: ${stderr}`)),
    )
  })
}

/** Every .yml file Traefik would load must be whole: it parses and holds its full set of routers. */
function assertNoPartialYaml(proxyDir: string): void {
  for (const dir of ['static', 'dynamic']) {
    for (const name of readdirSync(join(proxyDir, dir)).filter((n) => n.endsWith('.yml'))) {
      const text = readFileSync(join(proxyDir, dir, name), 'utf8')
      const doc = parse(text) as any
      assert.ok(text.endsWith('\n'), `${dir}/${name} ends mid-line`)
      if (name.startsWith('project-'))
        assert.equal(Object.keys(doc.http.routers).length, 200, `${dir}/${name} is incomplete`)
    }
  }
}

describe('a sync killed with SIGKILL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-crash-'))
  after(() => rmSync(dataDir, { recursive: true, force: true }))

  it('never leaves a partial .yml file, and the next sync cleans up after it', { timeout: 120_000 }, async () => {
    for (const delay of [0, 4, 11, 25, 60]) {
      await runAndKill(dataDir, delay)
      assertNoPartialYaml(join(dataDir, 'proxy'))
    }
    const t = await startTestAppIn(dataDir)
    try {
      const run = await t.app.proxySync.runNow()
      assert.equal(run.error, null)
      assertNoPartialYaml(t.app.config.proxyDir)
      assert.deepEqual(
        readdirSync(join(t.app.config.proxyDir, 'dynamic')).filter((n) => n.endsWith('.tmp')),
        [],
        'leftover temp files are removed',
      )
    } finally {
      await t.app.close()
    }
  })
})

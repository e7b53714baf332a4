import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { type FSWatcher, mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { parse } from 'yaml'
import { databaseEnvFor, dropTestDatabase } from './support/dialect.js'
import { startTestAppIn } from './support/harness.js'

const CHILD = new URL('./support/proxy-sync-child.ts', import.meta.url).pathname

/**
 * Runs the sync child and kills it: a fixed time after it is ready, or ("temp") the moment a temp
 * file appears in the dynamic directory, which lands the kill in the middle of a write.
 */
function runAndKill(dataDir: string, env: Record<string, string>, when: number | 'temp'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    })
    let stderr = ''
    let watcher: FSWatcher | undefined
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.stdout.on('data', (c: Buffer) => {
      if (!c.toString().includes('ready')) return
      if (when !== 'temp') setTimeout(() => child.kill('SIGKILL'), when)
      else
        watcher = watch(join(dataDir, 'proxy', 'dynamic'), (_event, name) => {
          if (name?.endsWith('.tmp')) child.kill('SIGKILL')
        })
    })
    child.on('exit', (code, signal) => {
      watcher?.close()
      return signal === 'SIGKILL'
        ? resolve()
        : reject(new Error(`the sync child exited with ${code ?? signal} before it was killed: ${stderr}`))
    })
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
  after(async () => {
    await dropTestDatabase(dataDir)
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('never leaves a partial .yml file, and the next sync cleans up after it', { timeout: 120_000 }, async () => {
    // The same database in the child and below: SQLite in the data dir, or this pass's PostgreSQL one.
    const env = await databaseEnvFor(dataDir)
    let killedMidWrite = 0
    for (const when of [0, 4, 11, 25, 60, 'temp', 'temp', 'temp'] as const) {
      await runAndKill(dataDir, env, when)
      const dynamic = join(dataDir, 'proxy', 'dynamic')
      if (readdirSync(dynamic).some((n) => n.endsWith('.tmp'))) killedMidWrite++
      assertNoPartialYaml(join(dataDir, 'proxy'))
    }
    // A temp file left behind is a write the kill interrupted: without one the test proved nothing.
    assert.ok(killedMidWrite > 0, 'no kill landed in the middle of a write')
    const t = await startTestAppIn(dataDir)
    try {
      const run = await t.app.proxySync.runNow()
      assert.equal(run.error, null)
      assertNoPartialYaml(t.app.config.proxyDir)
      const projectFiles = readdirSync(join(t.app.config.proxyDir, 'dynamic')).filter((n) => n.startsWith('project-'))
      assert.equal(projectFiles.length, 1, 'the check inspected the project the child wrote')
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

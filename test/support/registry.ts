// A real private image registry for the tests: Debian's docker-registry (distribution 2.8) on a
// free port of 127.0.0.1 with htpasswd (bcrypt) auth. Docker 20.10 treats 127.0.0.0/8 registries as
// insecure, so plain HTTP works without any engine configuration.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, httpGet, waitFor } from './docker.js'

export type TestRegistry = { host: string; stop(): Promise<void> }

/** Starts a registry that lets in `username` with `password` only. */
export async function startRegistry(username: string, password: string): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-'))
  // -i reads the password from stdin: it stays off the command line here too.
  const htpasswd = execFileSync('htpasswd', ['-n', '-B', '-i', username], { input: password }).toString()
  writeFileSync(join(dir, 'htpasswd'), htpasswd)
  const port = await freePort()
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      'auth:',
      '  htpasswd:',
      '    realm: berth-test',
      `    path: ${join(dir, 'htpasswd')}`,
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (log += c))
  const host = `127.0.0.1:${port}`
  // /v2/ answers 401 without credentials once the registry listens.
  await waitFor(
    `the registry on ${host}`,
    async () => (await httpGet(`http://${host}/v2/`))?.status === 401,
    15_000,
  ).catch((error: Error) => {
    child.kill('SIGKILL')
    throw new Error(`${error.message}; docker-registry said: ${log || '(nothing)'}`)
  })
  return {
    host,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { TestContext } from 'node:test'
import { freePort, waitFor } from './docker.js'

const run = promisify(execFile)
const SSHD = '/usr/sbin/sshd'

export type TestSshd = {
  port: number
  privateKey: string
  /** Lets root in with this public key too (a deploy key Berth made); sshd reads the file at each login. */
  authorize(publicKey: string): void
  stop(): Promise<void>
}

/** Like requireDocker: skips without sshd, but fails in CI, where the SSH deployment test must run. */
export function requireSshd(t: TestContext): boolean {
  const problem = !existsSync(SSHD)
    ? `${SSHD} is missing (run scripts/setup-test-host.sh)`
    : process.getuid?.() !== 0
      ? 'sshd for root logins needs the tests to run as root'
      : null
  if (problem === null) return true
  if (process.env.CI === 'true') throw new Error(`sshd is required in CI: ${problem}`)
  t.skip(problem)
  return false
}

/** Starts a private sshd on 127.0.0.1 that lets root in with a freshly generated key. */
export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-sshd-'))
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')])
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'berth-test', '-f', join(dir, 'client_key')])
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 })
  const port = await freePort()
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'MaxStartups 100',
      'MaxSessions 100',
      '',
    ].join('\n'),
  )
  if (!existsSync('/run/sshd')) await run('mkdir', ['-p', '/run/sshd'])
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (log += c))
  // A test whose after hook failed before stop() must still end its file's process (a running child
  // keeps it alive, and node --test then waits for ever), and take sshd with it.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const stderrHandle = child.stderr as unknown as { ref(): void; unref(): void }
  child.unref()
  stderrHandle.unref()
  // sshd's own words (a bad option, a port taken) make the failure readable; read at the failure, not now.
  await waitFor(
    `sshd to listen on ${port}`,
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => (socket.end(), resolve(true)))
        socket.on('error', () => resolve(false))
      }),
    10_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; sshd said: ${log || '(nothing)'}`)
  })
  return {
    port,
    privateKey: readFileSync(join(dir, 'client_key'), 'utf8'),
    authorize(publicKey) {
      appendFileSync(join(dir, 'authorized_keys'), `${publicKey.trim()}\n`)
    },
    async stop() {
      process.off('exit', killOnExit)
      // Waiting for its end needs the handles counted again, or the loop would end mid-wait.
      child.ref()
      stderrHandle.ref()
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise((r) => child.once('close', r))
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

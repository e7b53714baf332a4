import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { docker, waitFor } from './docker.js'

/**
 * A second Docker engine of the test's own (its own data root, socket and address pool), for
 * faults that would hit every other test if done to the machine's engine: it can be stopped and
 * started at will. Needs root and dockerd (scripts/setup-test-host.sh installs it).
 */
export type PrivateDockerd = { host: string; stop(): Promise<void>; start(): Promise<void>; remove(): Promise<void> }

export function privateDockerdProblem(): string | null {
  if (process.getuid?.() !== 0) return 'a private dockerd needs root'
  if (spawnSync('dockerd', ['--version']).status !== 0)
    return 'dockerd is not installed (run scripts/setup-test-host.sh)'
  if (spawnSync('unshare', ['--version']).status !== 0) return 'unshare is not installed (Debian package util-linux)'
  return null
}

/** Starts the engine and copies `images` from the machine's engine into it (no registry to pull from). */
export async function startPrivateDockerd(images: string[]): Promise<PrivateDockerd> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-dockerd-'))
  const host = `unix://${dir}/docker.sock`
  let child: ChildProcess | undefined
  const answers = async () =>
    spawnSync('docker', ['-H', host, 'version', '--format', '{{.Server.Version}}'], { timeout: 5000 }).status === 0

  async function start() {
    // In a network namespace of its own: a second dockerd on the host's namespace manages the
    // host's docker0 as if it were the only engine (seen: it deleted it when it started again,
    // breaking the machine engine's default network). Its socket is a file, reachable from here.
    child = spawn(
      'unshare',
      [
        '--net',
        'dockerd',
        `--data-root=${dir}/root`,
        `--exec-root=${dir}/exec`,
        `--pidfile=${dir}/docker.pid`,
        `--host=${host}`,
        '--iptables=false',
        '--ip-masq=false',
        // Small subnets: the test's few networks need few addresses (its namespace is its own).
        '--default-address-pool=base=10.212.0.0/16,size=24',
      ],
      { stdio: 'ignore' },
    )
    await waitFor('the private dockerd to answer', async () => (await answers()) || undefined, 30_000)
  }

  async function stop() {
    const running = child
    if (!running || running.exitCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGTERM')
    await exited
  }

  await start()
  for (const image of images) {
    const save = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'inherit'] })
    const load = spawn('docker', ['-H', host, 'load'], { stdio: ['pipe', 'ignore', 'inherit'] })
    save.stdout.pipe(load.stdin)
    const code = await new Promise<number | null>((resolve) => load.once('exit', resolve))
    if (code !== 0) throw new Error(`copying ${image} into the private dockerd failed`)
  }
  return {
    host,
    start,
    stop,
    async remove() {
      if (child && child.exitCode === null) {
        // Its containers first, so the engine stops without waiting on them.
        const ids = await containerIds(host)
        if (ids.length > 0) await docker(['-H', host, 'rm', '-f', '-v', ...ids])
      }
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function containerIds(host: string): Promise<string[]> {
  const { stdout } = await docker(['-H', host, 'ps', '-aq'])
  return stdout.split('\n').filter(Boolean)
}

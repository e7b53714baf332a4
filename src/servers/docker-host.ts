import { spawn, type ChildProcess } from 'node:child_process'
import { localHostStats, remoteHostStats, type HostStats } from './host-stats.js'
import { prepareSshTransport, type SshTransport } from './ssh-transport.js'

/** What a command run on a host gave back. */
export type CommandResult = { code: number | null; stdout: string; stderr: string }

/**
 * A Docker engine Berth talks to. `compose` starts a long-running `docker compose` whose output
 * the caller streams (only the deployment worker uses it); `docker` runs a short engine command
 * (inspect, ps, logs, network) and collects its output. Local and remote engines differ only in
 * the environment the CLI gets, so nothing else in the code asks "is this remote?".
 */
export interface DockerHost {
  readonly dockerHost: string
  compose(args: string[], opts: { cwd: string; env: Record<string, string> }): ChildProcess
  /** `env` is added to the CLI's environment, as for `stream` (credentials passed into a container by name). */
  docker(args: string[], opts?: { timeoutMs?: number; env?: Record<string, string> }): Promise<CommandResult>
  /**
   * A long-running engine command whose output the caller reads (e.g. `docker events`), in its own
   * process group; `env` is added to the CLI's environment (a private DOCKER_CONFIG for a build).
   */
  follow(args: string[], opts?: { env?: Record<string, string> }): ChildProcess
  /**
   * An engine command whose stdout (and stdin, when asked) the caller streams: `docker exec -i` of
   * a dump or restore, a helper container. `env` is added to the CLI's environment, so `-e NAME`
   * (no value) passes a credential into the container without it appearing on any command line.
   */
  stream(args: string[], opts?: { env?: Record<string, string>; stdin?: boolean }): ChildProcess
  /** The disk under the engine's data directory `rootDir` and the load of the machine the engine runs on. */
  hostStats(rootDir: string | undefined): Promise<HostStats>
}

const DEFAULT_TIMEOUT_MS = 30_000
export const LOCAL_DOCKER_HOST = 'unix:///var/run/docker.sock'

/** unix:///path, or ssh://user@host[:port]; nothing that could smuggle an option or a shell word. */
export const DOCKER_HOST_PATTERN =
  /^(unix:\/\/\/[A-Za-z0-9_./-]+|ssh:\/\/[a-z_][a-z0-9_.-]{0,31}@[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?)$/

/** Compose project and service names as Compose itself accepts them. */
export const COMPOSE_PROJECT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/
const CONTAINER_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/

export function assertComposeProjectName(name: string): void {
  if (!COMPOSE_PROJECT_PATTERN.test(name)) throw new Error(`"${name}" is not a valid Compose project name`)
}

export function isContainerId(id: string): boolean {
  return CONTAINER_ID_PATTERN.test(id)
}

export function assertContainerId(id: string): void {
  if (!isContainerId(id)) throw new Error(`"${id}" is not a valid container id or name`)
}

function baseEnv(dockerHost: string, transport: SshTransport | undefined): Record<string, string> {
  const path = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'
  return {
    PATH: transport ? `${transport.binDir}:${path}` : path,
    HOME: process.env.HOME ?? '/root',
    DOCKER_HOST: dockerHost,
    // Plain, uncoloured, line-by-line progress: it is stored as log rows, not drawn on a terminal.
    COMPOSE_ANSI: 'never',
    COMPOSE_PROGRESS: 'plain',
    BUILDKIT_PROGRESS: 'plain',
    NO_COLOR: '1',
  }
}

/** Runs `docker` (or, for an ssh:// host's own machine, `ssh`) with an argument array, never a shell, and collects its output. */
function runCommand(
  program: 'docker' | 'ssh',
  env: Record<string, string>,
  args: string[],
  timeoutMs: number,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe']
    const options = { env, shell: false, stdio, timeout: timeoutMs, killSignal: 'SIGKILL' as const }
    // Each program named as it is: test/security/no-shell.test.ts proves no computed one is started.
    const child = program === 'ssh' ? spawn('ssh', args, options) : spawn('docker', args, options)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', (error) =>
      reject(new Error(`could not run ${program} ${args[0]}: ${error.message}`, { cause: error })),
    )
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL' && code === null)
        stderr += `\n${program} ${args[0]} did not finish within ${Math.round(timeoutMs / 1000)} s`
      resolve({ code, stdout, stderr })
    })
  })
}

/**
 * A host for a server row. An ssh:// host needs the decrypted private key: it is written to a
 * private directory under the data dir and given to the CLI's ssh through a config file.
 */
export function createDockerHost(
  server: { id: string; docker_host: string },
  privateKey: string | null,
  dataDir: string,
): DockerHost {
  if (!DOCKER_HOST_PATTERN.test(server.docker_host)) throw new Error(`Server ${server.id} has an invalid docker_host`)
  const transport = server.docker_host.startsWith('ssh://')
    ? prepareSshTransport(dataDir, server.id, privateKey)
    : undefined
  const env = baseEnv(server.docker_host, transport)
  return {
    dockerHost: server.docker_host,
    compose(args, opts) {
      // Own process group (detached), so cancelling kills compose and every ssh/plugin child it started.
      return spawn('docker', ['compose', ...args], {
        cwd: opts.cwd,
        env: { ...env, ...opts.env },
        shell: false,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    },
    docker(args, opts) {
      return runCommand('docker', { ...env, ...opts?.env }, args, opts?.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    },
    follow(args, opts) {
      return spawn('docker', args, {
        env: { ...env, ...opts?.env },
        shell: false,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    },
    stream(args, opts) {
      return spawn('docker', args, {
        env: { ...env, ...opts?.env },
        shell: false,
        stdio: [opts?.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      })
    },
    hostStats(rootDir) {
      if (!transport) return localHostStats(rootDir)
      // The CLI's environment puts the transport's `ssh` wrapper (the server's key, its pinned host key) first.
      return remoteHostStats((args, timeoutMs) => runCommand('ssh', env, args, timeoutMs), server.docker_host, rootDir)
    },
  }
}

/** Kills a process group started by `compose`: SIGTERM, then SIGKILL if it lingers. */
export function killProcessGroup(child: ChildProcess, graceMs = 3000): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  const pid = child.pid
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal)
    } catch (error) {
      // ESRCH: the group is already gone, which is what we want.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
  }
  signalGroup('SIGTERM')
  const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs)
  timer.unref()
  child.once('close', () => clearTimeout(timer))
}

/** Network creations in flight, per engine and name (see ensureNetwork). */
const creatingNetworks = new Map<string, Promise<'exists' | 'created'>>()

/**
 * Creates a network unless it exists. Docker does not enforce unique network names: two
 * deployments of one project creating its network at once made two networks of that name, and
 * every later `network connect` by name failed as ambiguous. Creations of one name on one engine
 * therefore run one after the other in this process.
 */
export function ensureNetwork(
  host: DockerHost,
  name: string,
  labels: Record<string, string> = {},
): Promise<'exists' | 'created'> {
  const key = `${host.dockerHost} ${name}`
  const previous = creatingNetworks.get(key)
  // A failed creation before this one does not stop this one from trying again.
  const next = (previous ?? Promise.resolve()).catch(() => undefined).then(() => createNetwork(host, name, labels))
  creatingNetworks.set(key, next)
  // The caller handles next's error; this only forgets the entry once nothing waits on it.
  void next
    .finally(() => {
      if (creatingNetworks.get(key) === next) creatingNetworks.delete(key)
    })
    .catch(() => undefined)
  return next
}

async function createNetwork(host: DockerHost, name: string, labels: Record<string, string>) {
  if (!COMPOSE_PROJECT_PATTERN.test(name)) throw new Error(`"${name}" is not a valid network name`)
  if ((await host.docker(['network', 'inspect', '--format', '{{.Name}}', name])).code === 0) return 'exists'
  const labelArgs = Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`])
  const created = await host.docker(['network', 'create', ...labelArgs, name])
  if (created.code === 0) return 'created'
  if ((await host.docker(['network', 'inspect', '--format', '{{.Name}}', name])).code === 0) return 'exists'
  throw new Error(`could not create the Docker network ${name}: ${created.stderr.trim()}`)
}

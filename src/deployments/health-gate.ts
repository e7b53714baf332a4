import type { DockerHost } from '../servers/docker-host.js'

/**
 * A container without a health check counts as up once it has run this long without a restart.
 * `up --wait` calls such a container ready the moment it runs, which is how a crash-looping app
 * passed as "containers are up"; Docker's first restart comes 100 ms after an exit, so a second
 * covers an app that dies while starting. An app that fails later needs a health check.
 */
export const STABLE_AFTER_MS = 1000
// Each look is one `docker container inspect`; a short interval notices a healthy container soon after it turns so.
const POLL_MS = 100
/** How much of a failing container's output goes into the deployment log. */
export const LAST_OUTPUT_LINES = 50

/** What `docker inspect` says about a container, the parts the gate reads. */
export type ContainerState = {
  Id: string
  Name: string
  RestartCount: number
  State: {
    Status: string
    Restarting: boolean
    ExitCode: number
    StartedAt: string
    Health?: { Status: string; Log?: { ExitCode: number; Output: string }[] | null }
  }
  HostConfig?: { RestartPolicy?: { Name?: string } }
  Config: { Labels?: Record<string, string> | null }
}

export type Verdict = { kind: 'ready' } | { kind: 'waiting'; state: string } | { kind: 'failed'; reason: string }

/** The name a user knows a container by: its compose service and replica number ("web-1"). */
export function displayName(c: ContainerState): string {
  const labels = c.Config.Labels ?? {}
  const service = labels['com.docker.compose.service']
  const number = labels['com.docker.compose.container-number']
  return service ? `${service}-${number ?? '1'}` : c.Name.replace(/^\//, '')
}

function lastHealthOutput(c: ContainerState): string {
  const last = c.State.Health?.Log?.at(-1)
  if (!last) return ''
  const text = last.Output.trim().split('\n').at(-1)?.slice(0, 200) ?? ''
  return text ? `: ${text}` : ''
}

/**
 * Judges one container against the state it had when the gate first looked (a restart since then
 * is a crash). `now` and the engine's StartedAt are compared for the stability window; a start
 * time ahead of Berth's clock (a remote engine's skew) counts from when the gate first saw it.
 */
export function judge(c: ContainerState, first: { restartCount: number; seenAt: number }, now: number): Verdict {
  const s = c.State
  if (s.Restarting) return { kind: 'failed', reason: `is restarting (last exit code ${s.ExitCode})` }
  const restarts = c.RestartCount - first.restartCount
  if (restarts > 0)
    return {
      kind: 'failed',
      reason: `restarted ${restarts} time${restarts === 1 ? '' : 's'} (last exit code ${s.ExitCode})`,
    }
  if (s.Status === 'exited' || s.Status === 'dead') {
    const policy = c.HostConfig?.RestartPolicy?.Name ?? 'no'
    // A one-shot job (migrations, seeding) that finished well is what it was meant to do.
    if (s.ExitCode === 0 && (policy === 'no' || policy === '' || policy === 'on-failure')) return { kind: 'ready' }
    return { kind: 'failed', reason: `exited with code ${s.ExitCode}` }
  }
  if (s.Status !== 'running') return { kind: 'waiting', state: s.Status }
  if (s.Health) {
    if (s.Health.Status === 'healthy') return { kind: 'ready' }
    if (s.Health.Status === 'unhealthy') return { kind: 'failed', reason: `is unhealthy${lastHealthOutput(c)}` }
    return { kind: 'waiting', state: `health: ${s.Health.Status}` }
  }
  const started = Date.parse(s.StartedAt)
  const running = Number.isFinite(started) && started <= now ? now - started : now - first.seenAt
  return running >= STABLE_AFTER_MS ? { kind: 'ready' } : { kind: 'waiting', state: 'running' }
}

export type GateResult =
  | { kind: 'healthy'; containers: number }
  | { kind: 'unhealthy'; containerId: string; message: string }
  | { kind: 'stopped' }

type GateOptions = {
  host: DockerHost
  project: string
  timeoutMs: number
  signal: AbortSignal
  /** Called with each container's state when it changes, for the deployment log. */
  onState(line: string): void
}

async function projectContainers(host: DockerHost, project: string): Promise<string[]> {
  const listed = await host.docker([
    'ps',
    '--all',
    '--quiet',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    'label=com.docker.compose.oneoff=False',
  ])
  if (listed.code !== 0) throw new Error(`could not list the project's containers: ${listed.stderr.trim()}`)
  return listed.stdout.split('\n').filter(Boolean)
}

async function inspect(host: DockerHost, ids: string[]): Promise<ContainerState[]> {
  const result = await host.docker(['container', 'inspect', ...ids])
  // A container removed meanwhile (an orphan taken down) leaves the others listed on stdout.
  if (result.code !== 0 && !result.stdout.trim().startsWith('['))
    throw new Error(`could not inspect the project's containers: ${result.stderr.trim()}`)
  return JSON.parse(result.stdout) as ContainerState[]
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/**
 * Waits until every container of the compose project is healthy (with a health check) or has run
 * steadily (without one), and fails at the first that restarts, exits or turns unhealthy, or when
 * the timeout passes. Stops without a verdict if the signal aborts (the caller reports why).
 */
export async function waitUntilHealthy(opts: GateOptions): Promise<GateResult> {
  const { host, project, timeoutMs, signal } = opts
  const ids = await projectContainers(host, project)
  if (ids.length === 0) return { kind: 'healthy', containers: 0 }
  const started = Date.now()
  const first = new Map<string, { restartCount: number; seenAt: number }>()
  const said = new Map<string, string>()
  let pending: ContainerState[] = []
  while (!signal.aborted) {
    const now = Date.now()
    const states = await inspect(host, ids)
    pending = []
    for (const c of states) {
      if (!first.has(c.Id)) first.set(c.Id, { restartCount: c.RestartCount, seenAt: now })
      const verdict = judge(c, first.get(c.Id)!, now)
      const name = displayName(c)
      if (verdict.kind === 'failed')
        return { kind: 'unhealthy', containerId: c.Id, message: `container ${name} ${verdict.reason}` }
      const state = verdict.kind === 'ready' ? (c.State.Health ? 'healthy' : c.State.Status) : verdict.state
      if (said.get(c.Id) !== state) {
        said.set(c.Id, state)
        opts.onState(`${name}: ${state}`)
      }
      if (verdict.kind === 'waiting') pending.push(c)
    }
    if (pending.length === 0) return { kind: 'healthy', containers: states.length }
    if (now - started >= timeoutMs) break
    await pause(Math.min(POLL_MS, timeoutMs - (now - started)), signal)
  }
  if (signal.aborted) return { kind: 'stopped' }
  const waiting = pending.map((c) => `${displayName(c)} (${said.get(c.Id)})`).join(', ')
  return {
    kind: 'unhealthy',
    containerId: pending[0]!.Id,
    message: `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${waiting}`,
  }
}

/**
 * The last lines a container printed, stdout and stderr in the order they were written (by the
 * engine's timestamps, which are then dropped).
 */
export async function lastOutput(host: DockerHost, containerId: string, lines = LAST_OUTPUT_LINES) {
  const result = await host.docker(['logs', '--timestamps', '--tail', String(lines), containerId])
  if (result.code !== 0) throw new Error(`could not read the container's output: ${result.stderr.trim()}`)
  const tagged = (text: string, stream: 'stdout' | 'stderr') =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const space = line.indexOf(' ')
        return { ts: line.slice(0, space), text: line.slice(space + 1), stream }
      })
  const all = [...tagged(result.stdout, 'stdout'), ...tagged(result.stderr, 'stderr')]
  // RFC 3339 with nanoseconds, same zone: text order is time order; the sort is stable for ties.
  all.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))
  return all.slice(-lines).map(({ stream, text }) => ({ stream, text }))
}

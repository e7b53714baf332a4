import type { DockerHost } from './docker-host.js'
import type { HostDisk, HostLoad } from './host-stats.js'

/** What Berth last saw of a server; kept in memory because it changes too often to be worth storing. */
export type ServerState = {
  reachable: boolean
  engine_version: string | null
  api_version: string | null
  compose_version: string | null
  containers_running: number | null
  containers_stopped: number | null
  /** The disk holding the engine's data (images, containers, volumes); null where Berth cannot see it (see DockerHost.hostStats). */
  disk: HostDisk | null
  /** The host's load averages and CPU count; null where Berth cannot see them. */
  load: HostLoad | null
  error: string | null
  checked_at: string
}

export type ServerMonitor = ReturnType<typeof createServerMonitor>

type EngineInfo = {
  ServerVersion?: string
  ContainersRunning?: number
  ContainersStopped?: number
  DockerRootDir?: string
}

/** The server a check was about, as the reachability hook sees it. */
export type CheckedServer = { id: string; name: string; team_id: string | null }

type Hooks = {
  onReachability?: (server: CheckedServer, state: ServerState) => void
  /** The engine's disk went under `diskLowPercent` free, or back above it (`low` says which). */
  onDisk?: (server: CheckedServer, disk: NonNullable<ServerState['disk']>, low: boolean) => void
  /** Free space, in percent of the disk, under which a disk counts as low. */
  diskLowPercent?: number
}

/**
 * `onReachability` hears each change of a server's reachability and the first check of each server
 * (this process knows nothing before it); `onDisk` hears the first disk reading and each crossing of
 * the threshold. Notifications compare with the state last reported (stored, shared by every Berth
 * process), so a restart or a second process reports nothing twice.
 */
export function createServerMonitor(hooks: Hooks = {}) {
  const states = new Map<string, ServerState>()
  const lowDisks = new Map<string, boolean>()
  const diskLowPercent = hooks.diskLowPercent ?? DEFAULT_DISK_LOW_PERCENT

  async function refresh(
    server: CheckedServer,
    host: DockerHost,
    opts: { withCompose: boolean },
  ): Promise<ServerState> {
    const serverId = server.id
    const checkedAt = new Date().toISOString()
    const info = await host.docker(['info', '--format', '{{json .}}'], { timeoutMs: 20_000 })
    let state: ServerState
    if (info.code !== 0) {
      state = {
        reachable: false,
        engine_version: null,
        api_version: null,
        compose_version: null,
        containers_running: null,
        containers_stopped: null,
        disk: null,
        load: null,
        error: firstLine(info.stderr),
        checked_at: checkedAt,
      }
    } else {
      const parsed = JSON.parse(info.stdout) as EngineInfo
      const version = await host.docker(['version', '--format', '{{.Server.APIVersion}}'], { timeoutMs: 20_000 })
      const stats = await host.hostStats(parsed.DockerRootDir)
      const compose = opts.withCompose
        ? await host.docker(['compose', 'version', '--short'], { timeoutMs: 20_000 })
        : undefined
      state = {
        reachable: true,
        engine_version: parsed.ServerVersion ?? null,
        api_version: version.code === 0 ? version.stdout.trim() : null,
        compose_version: compose
          ? compose.code === 0
            ? compose.stdout.trim()
            : null
          : (states.get(serverId)?.compose_version ?? null),
        containers_running: parsed.ContainersRunning ?? null,
        containers_stopped: parsed.ContainersStopped ?? null,
        disk: stats.disk,
        load: stats.load,
        error: compose && compose.code !== 0 ? `docker compose: ${firstLine(compose.stderr)}` : null,
        checked_at: checkedAt,
      }
    }
    const was = states.get(serverId)?.reachable
    states.set(serverId, state)
    if (was !== state.reachable) hooks.onReachability?.(server, state)
    // A check that cannot see the disk (unreachable) neither starts nor ends a low-disk episode.
    if (state.disk) {
      const low = freePercent(state.disk) < diskLowPercent
      if (lowDisks.get(serverId) !== low) {
        lowDisks.set(serverId, low)
        hooks.onDisk?.(server, state.disk, low)
      }
    }
    return state
  }

  return {
    refresh,
    stateOf: (serverId: string): ServerState | null => states.get(serverId) ?? null,
    all: () => new Map(states),
    forget: (serverId: string) => {
      states.delete(serverId)
      lowDisks.delete(serverId)
    },
  }
}

const DEFAULT_DISK_LOW_PERCENT = 10

/** The free share of a disk, in percent: what BERTH_DISK_LOW_PERCENT is compared with. */
export function freePercent(disk: NonNullable<ServerState['disk']>): number {
  return (disk.free_bytes / disk.total_bytes) * 100
}

function firstLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.slice(0, 500) ?? 'no output'
  )
}

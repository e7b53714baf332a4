import type { DockerHost } from './docker-host.js'

/** What Berth last saw of a server; kept in memory because it changes too often to be worth storing. */
export type ServerState = {
  reachable: boolean
  engine_version: string | null
  api_version: string | null
  compose_version: string | null
  containers_running: number | null
  containers_stopped: number | null
  error: string | null
  checked_at: string
}

export type ServerMonitor = ReturnType<typeof createServerMonitor>

type EngineInfo = { ServerVersion?: string; ContainersRunning?: number; ContainersStopped?: number }

/** The server a check was about, as the reachability hook sees it. */
export type CheckedServer = { id: string; name: string; team_id: string | null }

/**
 * `onReachability` hears each change of a server's reachability (and a first check that finds it
 * unreachable, since a restarted Berth must not forget a server that is down); notifications use it.
 */
export function createServerMonitor(
  hooks: { onReachability?: (server: CheckedServer, state: ServerState) => void } = {},
) {
  const states = new Map<string, ServerState>()

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
        error: firstLine(info.stderr),
        checked_at: checkedAt,
      }
    } else {
      const parsed = JSON.parse(info.stdout) as EngineInfo
      const version = await host.docker(['version', '--format', '{{.Server.APIVersion}}'], { timeoutMs: 20_000 })
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
        error: compose && compose.code !== 0 ? `docker compose: ${firstLine(compose.stderr)}` : null,
        checked_at: checkedAt,
      }
    }
    const was = states.get(serverId)?.reachable
    states.set(serverId, state)
    if (was === undefined ? !state.reachable : was !== state.reachable) hooks.onReachability?.(server, state)
    return state
  }

  return {
    refresh,
    stateOf: (serverId: string): ServerState | null => states.get(serverId) ?? null,
    all: () => new Map(states),
    forget: (serverId: string) => void states.delete(serverId),
  }
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

import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'
import type { ProxyKind } from '../db/schema.js'
import { stableJson } from '../proxy/caddy/caddy.render.js'
import type { DockerHost } from '../servers/docker-host.js'
import { ADMIN_NETWORK, CADDY_ADMIN_PORT, PROXY_SERVICE, TRAEFIK_API_PORT } from './proxy-runtime.render.js'

const PROBE_TIMEOUT_MS = 3000

export type ContainerView = {
  id: string
  state: string
  running: boolean
  health: string | null
  restart_count: number
  started_at: string | null
  image: string
  /** Its address on the proxy network, where Berth reaches its API (null when not attached). */
  ip: string | null
  /** Its address on the project's own admin network (Caddy's admin API), null when it has none. */
  admin_ip: string | null
}

/** The proxy container of a compose project, as the engine sees it now (null: there is none). */
export async function inspectProxyContainer(
  host: DockerHost,
  project: string,
  network: string,
): Promise<ContainerView | null> {
  const ps = await host.docker([
    'ps',
    '--all',
    '--quiet',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${PROXY_SERVICE}`,
  ])
  if (ps.code !== 0) throw new Error(`could not list the proxy's containers: ${ps.stderr.trim()}`)
  const id = ps.stdout.trim().split('\n')[0]
  if (!id) return null
  const inspected = await host.docker(['container', 'inspect', id])
  if (inspected.code !== 0) {
    // Removed between the two commands: as good as none.
    if (/No such/i.test(inspected.stderr)) return null
    throw new Error(`could not inspect the proxy container ${id}: ${inspected.stderr.trim()}`)
  }
  const [c] = JSON.parse(inspected.stdout) as {
    Id: string
    RestartCount?: number
    Config: { Image: string }
    State: { Status: string; Running: boolean; StartedAt?: string; Health?: { Status: string } }
    NetworkSettings: { Networks?: Record<string, { IPAddress?: string }> }
  }[]
  if (!c) return null
  const ip = c.NetworkSettings.Networks?.[network]?.IPAddress || null
  const adminIp = c.NetworkSettings.Networks?.[`${project}_${ADMIN_NETWORK}`]?.IPAddress || null
  return {
    id: c.Id.slice(0, 12),
    state: c.State.Status,
    running: c.State.Running,
    health: c.State.Health?.Status ?? null,
    restart_count: c.RestartCount ?? 0,
    started_at: c.State.Running ? (c.State.StartedAt ?? null) : null,
    image: c.Config.Image,
    ip: c.State.Running ? ip : null,
    admin_ip: c.State.Running ? adminIp : null,
  }
}

export type ConfigCheck = {
  /** Whether Berth could ask the proxy at all (a remote server's proxy network is out of its reach). */
  checked: boolean
  reading_berth_config: boolean
  detail: string
  expected_routers: string[]
  missing_routers: string[]
}

/** The routers Berth's dynamic files declare, as Traefik names them (`name@file`). */
export async function routersInProxyDir(proxyDir: string): Promise<{ routers: string[]; middlewares: string[] }> {
  const dir = join(proxyDir, 'dynamic')
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.yml')).sort()
  const routers: string[] = []
  const middlewares: string[] = []
  for (const name of names) {
    const doc = parse(await readFile(join(dir, name), 'utf8')) as {
      http?: { routers?: Record<string, unknown>; middlewares?: Record<string, unknown> }
    } | null
    routers.push(...Object.keys(doc?.http?.routers ?? {}).map((r) => `${r}@file`))
    middlewares.push(...Object.keys(doc?.http?.middlewares ?? {}).map((m) => `${m}@file`))
  }
  return { routers: routers.sort(), middlewares: middlewares.sort() }
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
  if (!response.ok) throw new Error(`${url} answered ${response.status}`)
  return (await response.json()) as unknown
}

/**
 * Whether the running proxy reads what Berth generated: Traefik's API lists every router (and the
 * shared middlewares) of Berth's dynamic files; Caddy's admin API runs exactly the configuration
 * Berth loaded last.
 */
export async function checkProxyConfig(input: {
  kind: ProxyKind
  ip: string
  proxyDir: string
  caddyLoaded: string | null
}): Promise<ConfigCheck> {
  const none = { expected_routers: [], missing_routers: [] }
  if (input.kind === 'caddy') {
    let running: unknown
    try {
      running = await getJson(`http://${input.ip}:${CADDY_ADMIN_PORT}/config/`)
    } catch (error) {
      return {
        checked: false,
        reading_berth_config: false,
        detail: `Caddy's admin API did not answer: ${(error as Error).message}`,
        ...none,
      }
    }
    if (input.caddyLoaded === null)
      return {
        checked: true,
        reading_berth_config: false,
        detail: 'Berth has not loaded a configuration into Caddy yet.',
        ...none,
      }
    const same = stableJson(running) === input.caddyLoaded
    return {
      checked: true,
      reading_berth_config: same,
      detail: same
        ? 'Caddy runs the configuration Berth loaded.'
        : 'Caddy runs a configuration other than the one Berth loaded (restarted, or changed by hand); the next sync reloads it.',
      ...none,
    }
  }
  const expected = await routersInProxyDir(input.proxyDir)
  let raw: { routers?: Record<string, unknown>; middlewares?: Record<string, unknown> }
  try {
    raw = (await getJson(`http://${input.ip}:${TRAEFIK_API_PORT}/api/rawdata`)) as typeof raw
  } catch (error) {
    return {
      checked: false,
      reading_berth_config: false,
      detail: `Traefik's API did not answer: ${(error as Error).message}`,
      expected_routers: expected.routers,
      missing_routers: expected.routers,
    }
  }
  const loaded = new Set([...Object.keys(raw.routers ?? {}), ...Object.keys(raw.middlewares ?? {})])
  const missingRouters = expected.routers.filter((r) => !loaded.has(r))
  const missingMiddlewares = expected.middlewares.filter((m) => !loaded.has(m))
  const reading = missingRouters.length === 0 && missingMiddlewares.length === 0
  return {
    checked: true,
    reading_berth_config: reading,
    detail: reading
      ? `Traefik has loaded all ${expected.routers.length} routers of Berth's files.`
      : `Traefik lacks ${missingRouters.length} of ${expected.routers.length} routers${missingMiddlewares.length ? ` and ${missingMiddlewares.length} shared middlewares` : ''} of Berth's files: it does not read them, or not yet.`,
    expected_routers: expected.routers,
    missing_routers: missingRouters,
  }
}

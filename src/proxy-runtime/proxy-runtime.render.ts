import { stringify } from 'yaml'
import type { ProxyKind } from '../db/schema.js'
import type { Settings } from '../settings/settings.types.js'
import { PROXY_LABEL } from '../proxy/network.js'

/** The official images Berth runs when none is set: the Traefik version the tests prove Berth against. */
export const DEFAULT_IMAGES: Record<ProxyKind, string> = { traefik: 'traefik:v3.7.15', caddy: 'caddy:2' }
/** Where each official image keeps its binary: a mounted binary replaces it there. */
export const BINARY_PATHS: Record<ProxyKind, string> = {
  traefik: '/usr/local/bin/traefik',
  caddy: '/usr/bin/caddy',
}
// Traefik's API (GET /api/rawdata) is on an entry point that is never published: only the `berth` network reaches it.
export { TRAEFIK_API_PORT } from '../proxy/traefik/traefik.render.js'
export const CADDY_ADMIN_PORT = 2019
/** The compose service name of the proxy: the container answers on the `berth` network under it too. */
export const PROXY_SERVICE = 'proxy'
/** Caddy's admin network: the project's own, with the proxy container alone on it (Compose names it `<project>_admin`). */
export const ADMIN_NETWORK = 'admin'

export type ProxyRuntimeSpec = {
  kind: ProxyKind
  image: string
  binaryPath: string | null
  extraMounts: string[]
}

export type RenderContext = {
  /** Berth's proxy directory as the server's engine sees it (a host path: the sync service writes it). */
  proxyDir: string
  network: string
  settings: Pick<Settings, 'entry_points' | 'caddy_http_listen' | 'caddy_https_listen'>
}

/** The port of a listen address (":80", "0.0.0.0:8080", "[::]:443"). */
export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1))
}

/**
 * The ports the proxy publishes: the entry points it listens on, the same number on the host.
 * The proxy listens on all of the container's interfaces; an address in the setting chooses the port.
 */
export function publishedPorts(kind: ProxyKind, settings: RenderContext['settings']): string[] {
  const listens =
    kind === 'traefik'
      ? [settings.entry_points.web, settings.entry_points.websecure]
      : [settings.caddy_http_listen, settings.caddy_https_listen]
  return [...new Set(listens.map(portOf))].map((port) => `${port}:${port}`)
}

/**
 * The compose file of the proxy Berth runs on a server: pure, so the same spec and settings give the
 * same bytes (and the same sha256), which is what makes a version comparable and a rollback exact.
 */
export function renderProxyCompose(spec: ProxyRuntimeSpec, ctx: RenderContext): string {
  const binary = BINARY_PATHS[spec.kind]
  const mounts = [
    ...(spec.binaryPath ? [`${spec.binaryPath}:${binary}:ro`] : []),
    ...spec.extraMounts.map((path) => `${path}:${path}:ro`),
  ]
  const common = {
    image: spec.image,
    restart: 'unless-stopped',
    ports: publishedPorts(spec.kind, ctx.settings),
    networks: { [ctx.network]: { aliases: [`berth-proxy`] } },
    // Marks it as a proxy: Berth connects it to every project's network (see deployments/attach-routed.ts).
    labels: { [PROXY_LABEL]: 'true' },
  }
  const service =
    spec.kind === 'traefik'
      ? {
          ...common,
          // The binary by its path: the official image's entrypoint runs it as given, a plain image has no entrypoint.
          command: [binary, '--configFile=/etc/traefik/static/traefik.yml'],
          volumes: [
            // The whole directory, read-only: Traefik must see the sync's atomic renames, which a single-file mount hides.
            `${ctx.proxyDir}:/etc/traefik:ro`,
            'letsencrypt:/letsencrypt',
            ...mounts,
          ],
          healthcheck: {
            test: ['CMD', binary, 'healthcheck', '--ping', '--configFile=/etc/traefik/static/traefik.yml'],
            interval: '5s',
            timeout: '5s',
            retries: 3,
            start_period: '5s',
          },
        }
      : {
          ...common,
          // The admin API moves to the project's own network once Berth loads the configuration
          // (its listener is the container's address there): routed containers of every team are
          // on the berth network, and Caddy's admin API takes any configuration from anyone.
          networks: { ...common.networks, [ADMIN_NETWORK]: {} },
          // Caddy starts with only its admin API (on the container's interfaces, not published); Berth loads the rest.
          command: [binary, 'run', '--config', '/etc/caddy/boot.json'],
          configs: [{ source: 'caddy-boot', target: '/etc/caddy/boot.json' }],
          environment: { HOME: '/data', XDG_DATA_HOME: '/data', XDG_CONFIG_HOME: '/config' },
          volumes: ['caddy-data:/data', 'caddy-config:/config', ...mounts],
        }
  const doc = {
    services: { [PROXY_SERVICE]: service },
    networks: {
      [ctx.network]: { external: true },
      ...(spec.kind === 'caddy' && { [ADMIN_NETWORK]: {} }),
    },
    volumes: spec.kind === 'traefik' ? { letsencrypt: {} } : { 'caddy-data': {}, 'caddy-config': {} },
    ...(spec.kind === 'caddy' && {
      configs: {
        'caddy-boot': { content: JSON.stringify({ admin: { listen: `0.0.0.0:${CADDY_ADMIN_PORT}` } }) },
      },
    }),
  }
  return `# Rendered by Berth: the ${spec.kind} proxy of this server. Change it through Berth, not here.\n${stringify(doc)}`
}

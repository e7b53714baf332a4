import { stat } from 'node:fs/promises'
import { isAbsolute, join, normalize } from 'node:path'
import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB, DeploymentAction, ProxyKind, ServerTable } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import type { DeploymentRow } from '../deployments/deployments.repo.js'
import { listForResource } from '../deployments/deployments.repo.js'
import type { InstanceCompose } from '../deployments/deployment-runner.js'
import { INSTANCE_TEAM_ID, deploymentView, type DeploymentsService } from '../deployments/deployments.service.js'
import { composeProjectName } from '../deployments/resources.js'
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js'
import type { ServersService } from '../servers/servers.service.js'
import { readSettings } from '../settings/settings.service.js'
import { sha256Hex } from '../shared/hash.js'
import { checkProxyConfig, inspectProxyContainer, type ConfigCheck } from './proxy-runtime.probe.js'
import {
  advanceVersion,
  findProxy,
  findProxyOfServer,
  findVersion,
  insertProxy,
  insertVersion,
  listVersions,
  setDesiredState,
  type ServerProxyRow,
} from './proxy-runtime.repo.js'
import { DEFAULT_IMAGES, CADDY_ADMIN_PORT, renderProxyCompose, type ProxyRuntimeSpec } from './proxy-runtime.render.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  deployments: Pick<DeploymentsService, 'queueInstance' | 'logs' | 'get'>
  servers: Pick<ServersService, 'serverForResource' | 'hostById'>
  /** Berth's proxy directory as the server's engine sees it. */
  proxyDir: string
  network: string
  /** What the sync service loaded into Caddy last (stable JSON), null before its first load. */
  caddyLoaded(): string | null
  /** Resolves once the sync service has no run going on: Traefik reads its static file only when it starts. */
  configWritten(): Promise<void>
}

export type ProxyRuntimeService = ReturnType<typeof createProxyRuntimeService>
export type ProxyAction = 'start' | 'stop' | 'restart'
export type ProxyConfigInput = {
  kind?: ProxyKind
  image?: string
  binary_path?: string | null
  extra_mounts?: string[]
}

/** An image reference as Docker takes it: registry/name:tag or @sha256 digest, nothing that reads as an option. */
const IMAGE_PATTERN = /^[a-z0-9][a-z0-9._/:@-]{0,254}$/i
const PROXY_HEALTH_TIMEOUT_MS = 60_000
const DEPLOY_ACTIONS: Record<ProxyAction, DeploymentAction> = { start: 'deploy', stop: 'stop', restart: 'restart' }

function assertHostPath(path: string, field: string): void {
  // The path goes into a volume definition "host:container:ro": a colon or a comma would change its meaning.
  if (!isAbsolute(path) || normalize(path) !== path || /[:,\s]/.test(path))
    throw new BadRequestError(
      'invalid_host_path',
      `${field} must be an absolute, normalised host path without ":", "," or spaces; got "${path}".`,
      {
        field,
      },
    )
}

function specOf(row: Pick<ServerProxyRow, 'kind' | 'image' | 'binary_path' | 'extra_mounts'>): ProxyRuntimeSpec {
  return {
    kind: row.kind,
    image: row.image,
    binaryPath: row.binary_path,
    extraMounts: JSON.parse(row.extra_mounts) as string[],
  }
}

export function proxyView(row: ServerProxyRow) {
  return {
    proxy_uuid: row.id,
    kind: row.kind,
    image: row.image,
    binary_path: row.binary_path,
    extra_mounts: JSON.parse(row.extra_mounts) as string[],
    current_version: row.current_version,
    desired_state: row.desired_state as 'running' | 'stopped',
    updated_at: row.updated_at,
  }
}

/**
 * The proxy container Berth runs on each server (Traefik or Caddy): its compose file is versioned
 * in `server_proxy_versions` (rendered from the row's spec and the instance settings), and every
 * start, stop, restart, upgrade or rollback is a deployment the worker runs like any other, queued
 * and audited in the same transaction. Instance-level: its deployments carry INSTANCE_TEAM_ID.
 */
export function createProxyRuntimeService({
  db,
  audit,
  deployments,
  servers,
  proxyDir,
  network,
  caddyLoaded,
  configWritten,
}: Deps) {
  async function render(trx: Kysely<DB>, spec: ProxyRuntimeSpec): Promise<string> {
    const settings = await readSettings(trx)
    return renderProxyCompose(spec, { proxyDir, network, settings })
  }

  /** Appends a version when the rendered file differs from the current one; returns the version to deploy. */
  async function writeVersion(
    trx: Kysely<DB>,
    proxy: ServerProxyRow,
    spec: Pick<ServerProxyRow, 'kind' | 'image' | 'binary_path' | 'extra_mounts'>,
    { actor, reason, yaml }: { actor: Actor; reason: string; yaml?: string },
  ): Promise<{ version: number; changed: boolean }> {
    const composeYaml = yaml ?? (await render(trx, specOf(spec)))
    const current = await findVersion(trx, proxy.id, proxy.current_version)
    if (current && current.compose_yaml === composeYaml && current.kind === spec.kind)
      return { version: proxy.current_version, changed: false }
    if (!(await advanceVersion(trx, proxy, spec)))
      throw new ConflictError(
        'version_conflict',
        `The proxy of server ${proxy.server_id} changed meanwhile; try again.`,
      )
    const version = proxy.current_version + 1
    await insertVersion(trx, {
      proxy_id: proxy.id,
      version,
      kind: spec.kind,
      image: spec.image,
      compose_yaml: composeYaml,
      sha256: sha256Hex(composeYaml),
      author: actor.name,
      reason,
      created_at: nowIso(),
    })
    return { version, changed: true }
  }

  async function proxyOf(trx: Kysely<DB>, serverId: string): Promise<{ server: ServerTable; proxy: ServerProxyRow }> {
    const server = await servers.serverForResource(trx, serverId)
    const proxy = await findProxyOfServer(trx, server.id)
    if (!proxy)
      throw new ConflictError(
        'proxy_not_configured',
        `Berth does not run a proxy on server ${serverId} yet; start it first (POST /servers/${serverId}/proxy/start).`,
      )
    return { server, proxy }
  }

  /** A proxy row for a server that has none: version 0, so the first write makes version 1. */
  async function createRow(trx: Kysely<DB>, server: ServerTable): Promise<ServerProxyRow> {
    const kind = (await readSettings(trx)).proxy
    const now = nowIso()
    const row: ServerProxyRow = {
      id: newId(),
      server_id: server.id,
      kind,
      image: DEFAULT_IMAGES[kind],
      binary_path: null,
      extra_mounts: '[]',
      current_version: 0,
      desired_state: 'running',
      created_at: now,
      updated_at: now,
    }
    await insertProxy(trx, row)
    return row
  }

  async function queue(
    trx: Kysely<DB>,
    server: ServerTable,
    proxy: ServerProxyRow,
    {
      action,
      actor,
      version,
      auditAction,
      details,
    }: {
      action: DeploymentAction
      actor: Actor
      version: number
      auditAction: string
      details?: Record<string, unknown>
    },
  ) {
    await setDesiredState(trx, proxy.id, action === 'stop' ? 'stopped' : 'running')
    const queued = await deployments.queueInstance(trx, {
      resource: { type: 'proxy', id: proxy.id, name: `${proxy.kind} proxy of ${server.name}` },
      server,
      action,
      actor,
      targetVersion: version,
    })
    await audit.record(trx, actor, {
      action: auditAction,
      resourceType: 'proxy',
      resourceId: proxy.id,
      details: { server_id: server.id, deployment_id: queued.row.id, version, ...details },
      teamId: null,
    })
    return queued
  }

  function answer(row: DeploymentRow, version: number, message: string) {
    return { deployment_uuid: row.id, version, message }
  }

  /**
   * Start (deploy), stop or restart. A start of a server without a proxy creates it (the instance's
   * proxy kind, the official image); a start also picks up settings that change the file (ports).
   */
  async function act(serverId: string, action: ProxyAction, actor: Actor) {
    const done = await db.transaction().execute(async (trx) => {
      const server = await servers.serverForResource(trx, serverId)
      let proxy = await findProxyOfServer(trx, server.id)
      if (!proxy) {
        if (action !== 'start')
          throw new ConflictError(
            'proxy_not_configured',
            `Berth does not run a proxy on server ${serverId} yet; start it first.`,
          )
        proxy = await createRow(trx, server)
      }
      let version = proxy.current_version
      if (action !== 'stop') {
        const written = await writeVersion(trx, proxy, proxy, {
          actor,
          reason: version === 0 ? 'created' : 'settings changed',
        })
        version = written.version
        proxy = { ...proxy, current_version: version }
      }
      const queued = await queue(trx, server, proxy, {
        action: DEPLOY_ACTIONS[action],
        actor,
        version,
        auditAction: `proxy.${action}`,
      })
      return { queued, version, proxy, server }
    })
    done.queued.announce()
    const verb = action === 'start' ? 'Start' : action === 'stop' ? 'Stop' : 'Restart'
    return answer(
      done.queued.row,
      done.version,
      `${verb} of the ${done.proxy.kind} proxy of ${done.server.name} queued.`,
    )
  }

  /** Changes the proxy's kind, image or mounted binary: a new version, deployed at once (an upgrade). */
  async function configure(serverId: string, input: ProxyConfigInput, actor: Actor) {
    if (input.image !== undefined && !IMAGE_PATTERN.test(input.image))
      throw new BadRequestError(
        'invalid_image',
        `"${input.image}" is not an image reference (name[:tag] or name@digest).`,
        {
          field: 'image',
        },
      )
    if (input.binary_path) assertHostPath(input.binary_path, 'binary_path')
    for (const path of input.extra_mounts ?? []) assertHostPath(path, 'extra_mounts')
    const done = await db.transaction().execute(async (trx) => {
      const server = await servers.serverForResource(trx, serverId)
      const proxy = (await findProxyOfServer(trx, server.id)) ?? (await createRow(trx, server))
      const kind = input.kind ?? proxy.kind
      const spec = {
        kind,
        // A kind change without an image takes that kind's official one: another kind's image cannot run it.
        image: input.image ?? (kind !== proxy.kind ? DEFAULT_IMAGES[kind] : proxy.image),
        binary_path: input.binary_path !== undefined ? input.binary_path : proxy.binary_path,
        extra_mounts: input.extra_mounts !== undefined ? JSON.stringify(input.extra_mounts) : proxy.extra_mounts,
      }
      const written = await writeVersion(trx, proxy, spec, { actor, reason: 'configured' })
      const updated = { ...proxy, ...spec, current_version: written.version }
      const queued = await queue(trx, server, updated, {
        action: 'deploy',
        actor,
        version: written.version,
        auditAction: 'proxy.configured',
        details: { kind, image: spec.image, changed: written.changed },
      })
      return { queued, written, server, updated }
    })
    done.queued.announce()
    return {
      ...answer(
        done.queued.row,
        done.written.version,
        done.written.changed
          ? `Version ${done.written.version} of the proxy of ${done.server.name} written; its deployment is queued.`
          : `Nothing changed in the proxy's compose file; version ${done.written.version} is deployed again.`,
      ),
      proxy: proxyView(done.updated),
    }
  }

  /** Appends a copy of version N (its exact file) as the newest version and deploys it. */
  async function rollback(serverId: string, toVersion: number, actor: Actor) {
    const done = await db.transaction().execute(async (trx) => {
      const { server, proxy } = await proxyOf(trx, serverId)
      const target = await findVersion(trx, proxy.id, toVersion)
      if (!target)
        throw new NotFoundError(`The proxy of server ${serverId} has no version ${toVersion}.`, {
          current_version: proxy.current_version,
        })
      if (toVersion === proxy.current_version)
        throw new ConflictError('already_current', `Version ${toVersion} is already the current one.`)
      const spec = {
        kind: target.kind,
        image: target.image,
        binary_path: proxy.binary_path,
        extra_mounts: proxy.extra_mounts,
      }
      if (target.kind !== proxy.kind) spec.binary_path = null
      const written = await writeVersion(trx, proxy, spec, {
        actor,
        reason: `rollback to version ${toVersion}`,
        yaml: target.compose_yaml,
      })
      const queued = await queue(
        trx,
        server,
        { ...proxy, ...spec },
        {
          action: 'deploy',
          actor,
          version: written.version,
          auditAction: 'proxy.rollback',
          details: { rolled_back_to: toVersion },
        },
      )
      return { queued, written, server }
    })
    done.queued.announce()
    return answer(
      done.queued.row,
      done.written.version,
      `Version ${done.written.version} (a copy of version ${toVersion}) of the proxy of ${done.server.name} queued.`,
    )
  }

  async function versions(serverId: string) {
    const { proxy } = await proxyOf(db, serverId)
    return { current_version: proxy.current_version, versions: await listVersions(db, proxy.id) }
  }

  /** What the proxy container does now and whether it reads Berth's configuration. */
  async function status(serverId: string) {
    const server = await servers.serverForResource(db, serverId)
    const proxy = await findProxyOfServer(db, server.id)
    const settingsKind = (await readSettings(db)).proxy
    if (!proxy)
      return {
        server_uuid: server.id,
        state: 'not_configured' as const,
        message: `Berth does not run a proxy on ${server.name}; start one, or run it yourself.`,
        proxy: null,
        settings_kind: settingsKind,
        container: null,
        config: null,
        deployments: [],
      }
    const { host } = await servers.hostById(server.id)
    const history = await listForResource(db, {
      teamId: INSTANCE_TEAM_ID,
      type: 'proxy',
      resourceId: proxy.id,
      skip: 0,
      take: 10,
    })
    const base = {
      server_uuid: server.id,
      proxy: proxyView(proxy),
      settings_kind: settingsKind,
      deployments: history.deployments.map(deploymentView),
    }
    let container: Awaited<ReturnType<typeof inspectProxyContainer>>
    try {
      container = await inspectProxyContainer(host, composeProjectName(proxy.id), network)
    } catch (error) {
      // The engine did not answer: say so rather than fail the page that asks.
      return {
        ...base,
        state: 'unreachable' as const,
        message: `Berth could not ask the engine of ${server.name} about its proxy: ${(error as Error).message}`,
        container: null,
        config: null,
      }
    }
    // The proxy network of a remote engine is not reachable from here: no address, no check.
    let config: ConfigCheck | null = null
    if (container?.running && container.ip && host.dockerHost.startsWith('unix://'))
      config = await checkProxyConfig({
        kind: proxy.kind,
        ip: proxy.kind === 'caddy' ? (container.admin_ip ?? container.ip) : container.ip,
        proxyDir,
        caddyLoaded: caddyLoaded(),
      })
    // Traefik reads its static file (entry points, ACME resolver) only when it starts.
    if (config?.reading_berth_config && proxy.kind === 'traefik' && container?.started_at) {
      const written = await stat(join(proxyDir, 'static', 'traefik.yml')).catch(() => undefined)
      if (written && written.mtime > new Date(container.started_at))
        config = {
          ...config,
          reading_berth_config: false,
          detail:
            'Berth rewrote the static file after Traefik started (settings changed); restart the proxy to apply it.',
        }
    }
    const state = !container?.running
      ? ('down' as const)
      : config && !config.reading_berth_config
        ? ('stale' as const)
        : ('running' as const)
    const kindMismatch = proxy.kind !== settingsKind
    const message =
      state === 'down'
        ? downMessage(proxy.kind, server.name, container)
        : state === 'stale'
          ? `The ${proxy.kind} proxy of ${server.name} runs but does not serve Berth's current configuration: ${config!.detail}`
          : `The ${proxy.kind} proxy of ${server.name} runs${config ? " and serves Berth's configuration" : ''}.`
    return {
      ...base,
      state,
      message: kindMismatch
        ? `${message} The instance is set to ${settingsKind}: change the proxy's kind (PUT /servers/${server.id}/proxy) to follow it.`
        : message,
      container,
      config,
    }
  }

  /**
   * Why the proxy Berth runs on a server is down while it should run, or null when it runs (or is
   * meant to be stopped, or the engine does not answer: the server monitor reports that itself).
   * The proxy watch asks at every refresh of the server, after every container event there: one
   * inspect, without the history, the configuration check and the proxy API calls of `status`.
   */
  async function whyDown(serverId: string): Promise<string | null> {
    const proxy = await findProxyOfServer(db, serverId)
    if (!proxy || proxy.desired_state !== 'running') return null
    const { host, server } = await servers.hostById(serverId)
    // An engine that does not answer is the server monitor's to report (server.unreachable), not a proxy outage.
    const container = await inspectProxyContainer(host, composeProjectName(proxy.id), network).catch(
      () => 'unreachable' as const,
    )
    if (container === 'unreachable' || container?.running) return null
    return downMessage(proxy.kind, server.name, container)
  }

  /** For the deployment worker: the compose file a proxy deployment runs. */
  async function composeFor(d: DeploymentRow): Promise<InstanceCompose> {
    const proxy = await findProxy(db, d.resource_id)
    if (!proxy) throw new Error(`the proxy ${d.resource_id} no longer exists`)
    const version = await findVersion(db, proxy.id, d.target_version ?? proxy.current_version)
    if (!version) throw new Error(`the proxy ${d.resource_id} has no version ${d.target_version}`)
    // A settings change just before a start is still being written: a Traefik started before it ends reads the old file.
    await configWritten()
    return {
      version: version.version,
      composeYaml: version.compose_yaml,
      description: `the ${version.kind} proxy (${version.image})`,
      healthTimeoutMs: PROXY_HEALTH_TIMEOUT_MS,
    }
  }

  /** The proxy Berth runs on the default server when it is of this kind, meant to run, on a local engine. */
  async function localProxy(kind: ProxyKind) {
    const server = await servers.serverForResource(db, null).catch((error: unknown) => {
      // No default server: Berth runs no proxy the sync should know about.
      if (error instanceof NotFoundError) return undefined
      throw error
    })
    if (!server) return undefined
    const proxy = await findProxyOfServer(db, server.id)
    if (!proxy || proxy.kind !== kind || proxy.desired_state !== 'running') return undefined
    const { host } = await servers.hostById(server.id)
    return host.dockerHost.startsWith('unix://') ? { proxy, host } : undefined
  }

  /**
   * Who may read the API of the Traefik Berth runs: the gateway of the proxy network, the address
   * Berth's requests come from (it runs on the engine's host). Containers on that network do not.
   */
  async function traefikApiSources(): Promise<string[]> {
    const local = await localProxy('traefik')
    if (!local) return []
    const inspected = await local.host.docker([
      'network',
      'inspect',
      '--format',
      '{{range .IPAM.Config}}{{.Gateway}} {{end}}',
      network,
    ])
    if (inspected.code !== 0) return []
    return inspected.stdout
      .trim()
      .split(/\s+/)
      .filter((ip) => /^[0-9.]+$/.test(ip) || /^[0-9a-f:]+$/i.test(ip))
      .map((ip) => (ip.includes(':') ? `${ip}/128` : `${ip}/32`))
  }

  /** Where the sync service reaches Caddy's admin API when Berth runs Caddy on the default (local) server. */
  async function caddyAdminUrl(): Promise<string | undefined> {
    const local = await localProxy('caddy')
    if (!local) return undefined
    const { proxy, host } = local
    const container = await inspectProxyContainer(host, composeProjectName(proxy.id), network)
    return container?.admin_ip ? `http://${container.admin_ip}:${CADDY_ADMIN_PORT}` : undefined
  }

  /** A page of the log of one of the proxy's deployments. */
  async function logs(
    serverId: string,
    deploymentId: string,
    page: { after: number; limit: number; includeHidden: boolean },
  ) {
    const { proxy } = await proxyOf(db, serverId)
    const d = await deployments.get(INSTANCE_TEAM_ID, deploymentId)
    if (d.resource_id !== proxy.id)
      throw new NotFoundError(`Deployment ${deploymentId} is not a deployment of the proxy of server ${serverId}.`)
    return deployments.logs(INSTANCE_TEAM_ID, deploymentId, page)
  }

  return { act, configure, rollback, versions, status, whyDown, logs, composeFor, caddyAdminUrl, traefikApiSources }
}

function downMessage(kind: string, serverName: string, container: { state: string } | null | undefined): string {
  return `The ${kind} proxy of ${serverName} is not running (${container ? container.state : 'no container'}); routes do not answer.`
}

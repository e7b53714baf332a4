import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { AuditService } from '../audit/audit.service.js'
import type { SecretCipher } from '../crypto/cipher.js'
import type { DB, ResourceType } from '../db/schema.js'
import type { EnvService } from '../env/env.service.js'
import type { EventBus } from '../events/event-bus.js'
import { createDatabasesService } from '../databases/databases.service.js'
import { createContainersService } from '../servers/containers.service.js'
import { createEngineEventWatchers } from '../servers/engine-events.js'
import { createServerMonitor } from '../servers/server-monitor.js'
import { createServersService } from '../servers/servers.service.js'
import { createDeploymentWorkers } from './deployment-worker.js'
import { workerIdFor } from './worker-id.js'
import { createDeploymentsService } from './deployments.service.js'
import { containerLogs, containersOf, resourceStatus } from './resource-runtime.js'
import { findTeamResource } from './resources.js'
import { pruneDeployments, type RetentionPolicy } from './retention.js'
import { noProxyNetwork, type ProxyNetwork } from './work-dir.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  events: EventBus
  env: Pick<EnvService, 'valuesForRender'>
  cipher: SecretCipher
  logger: Logger
  dataDir: string
  deployTimeoutMs: number
  retention: RetentionPolicy
  proxyNetwork?: ProxyNetwork
}

const MONITOR_INTERVAL_MS = 60_000
const RETENTION_INTERVAL_MS = 24 * 60 * 60 * 1000
const RETENTION_FIRST_RUN_MS = 60_000

/** Wires servers, deployments and their workers; buildApp spreads the result into the app. */
export function createDeploymentsModule(deps: Deps) {
  const { db, audit, events, env, cipher, logger, dataDir } = deps
  const serverMonitor = createServerMonitor()
  const engineEvents = createEngineEventWatchers({
    logger,
    onActivity: (serverId) =>
      void servers
        .refreshOne(serverId)
        .catch((error: unknown) => logger.error({ err: error, serverId }, 'refreshing server state failed')),
  })
  const servers = createServersService({
    db,
    audit,
    cipher,
    dataDir,
    monitor: serverMonitor,
    onRemoved: (id) => engineEvents.forget(id),
  })
  const deployments = createDeploymentsService({ db, audit, events, serverForResource: servers.serverForResource })

  async function hostFor(serverId: string) {
    const { server, host } = await servers.hostById(serverId)
    return { host, secrets: server.ssh_private_key ? [cipher.decrypt(server.ssh_private_key)] : [] }
  }

  const workers = createDeploymentWorkers({
    db,
    audit,
    events,
    env,
    dataDir,
    logger,
    hostFor,
    workerId: workerIdFor(dataDir),
    proxyNetwork: deps.proxyNetwork ?? noProxyNetwork,
    timeoutMs: deps.deployTimeoutMs,
    onLogFlushed: (deploymentId, lastSeq) => events.publish({ type: 'deployment.log', deploymentId, lastSeq }),
    concurrencyOf: async (serverId) => (await servers.serverForResource(db, serverId)).concurrency_limit,
  })

  const resourceRuntime = {
    async status(teamId: string, id: string, type: ResourceType) {
      const resource = await findTeamResource(db, teamId, id, type)
      const server = await servers.serverForResource(db, resource.serverId)
      const containers = await containersOf(servers.hostOf(server), resource.id)
      return { uuid: resource.id, server_uuid: server.id, status: resourceStatus(containers), containers }
    },
    async logs(teamId: string, id: string, type: ResourceType, lines: number) {
      const resource = await findTeamResource(db, teamId, id, type)
      const server = await servers.serverForResource(db, resource.serverId)
      const key = server.ssh_private_key ? [cipher.decrypt(server.ssh_private_key)] : []
      return containerLogs(servers.hostOf(server), env, teamId, resource.id, lines, key)
    },
  }

  let monitorTimer: NodeJS.Timeout | undefined
  let retentionTimer: NodeJS.Timeout | undefined
  function prune() {
    pruneDeployments(db, audit, deps.retention)
      .then((r) => r.deleted > 0 && logger.info({ deleted: r.deleted }, 'pruned old deployments'))
      .catch((error: unknown) => logger.error({ err: error }, 'pruning old deployments failed'))
  }
  function refreshServers() {
    servers
      .refreshAll(engineEvents.watch)
      .catch((error: unknown) => logger.error({ err: error }, 'refreshing server state failed'))
  }

  return {
    servers,
    serverMonitor,
    deployments,
    resourceRuntime,
    containers: createContainersService({ db, audit, servers }),
    databases: createDatabasesService({ db, audit, events, cipher, deployments }),
    /** Recovers interrupted deployments, starts the workers and the server monitor. Only the serving process calls this. */
    async startBackground() {
      await workers.start()
      refreshServers()
      monitorTimer = setInterval(refreshServers, MONITOR_INTERVAL_MS)
      monitorTimer.unref()
      retentionTimer = setTimeout(() => {
        prune()
        retentionTimer = setInterval(prune, RETENTION_INTERVAL_MS)
        retentionTimer.unref()
      }, RETENTION_FIRST_RUN_MS)
      retentionTimer.unref()
    },
    async stopBackground() {
      clearInterval(monitorTimer)
      engineEvents.stop()
      clearTimeout(retentionTimer)
      clearInterval(retentionTimer)
      await workers.stop()
    },
  }
}

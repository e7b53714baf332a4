import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB } from '../db/schema.js'
import { EngineError, NotFoundError } from '../errors.js'
import { findOwningTeam } from '../services/services.repo.js'
import { isContainerId, type DockerHost } from './docker-host.js'
import type { ServersService } from './servers.service.js'

type Deps = { db: Kysely<DB>; audit: Pick<AuditService, 'record'>; servers: Pick<ServersService, 'find' | 'hostOf'> }

export type ContainerAction = 'start' | 'stop' | 'restart'
export type ContainersService = ReturnType<typeof createContainersService>

const PROJECT_PREFIX = 'berth-'

/** The resource a container belongs to, from the Compose project label Berth gives its projects. */
async function owningResource(host: DockerHost, containerId: string): Promise<string | undefined> {
  const res = await host.docker([
    'inspect',
    '--type',
    'container',
    '--format',
    '{{index .Config.Labels "com.docker.compose.project"}}',
    containerId,
  ])
  if (res.code !== 0) return undefined
  const project = res.stdout.trim()
  return project.startsWith(PROJECT_PREFIX) ? project.slice(PROJECT_PREFIX.length) : undefined
}

export function createContainersService({ db, audit, servers }: Deps) {
  /**
   * Starts, stops or restarts one container. Only containers of the caller's team's resources
   * can be touched: on a shared engine, anyone else's container is "not found".
   */
  async function act(
    teamId: string,
    { serverId, containerId, action }: { serverId: string; containerId: string; action: ContainerAction },
    actor: Actor,
  ) {
    const server = await servers.find(db, teamId, serverId)
    const notFound = new NotFoundError(`Container ${containerId} was not found on server ${serverId}.`)
    // Checked before it reaches a command line: anything else is not a container we could have made.
    if (!isContainerId(containerId)) throw notFound
    const host = servers.hostOf(server)
    const resourceId = await owningResource(host, containerId)
    if (!resourceId || (await findOwningTeam(db, resourceId)) !== teamId) throw notFound
    const res = await host.docker([action, containerId], { timeoutMs: 60_000 })
    if (res.code !== 0)
      throw new EngineError(`docker ${action} ${containerId} failed on server ${server.name}`, res.stderr)
    await db.transaction().execute((trx) =>
      audit.record(trx, actor, {
        action: `container.${action}`,
        resourceType: 'server',
        resourceId: server.id,
        details: { server_id: server.id, container_id: containerId, resource_id: resourceId },
      }),
    )
    return { container_id: containerId, server_uuid: server.id, action, done: true as const }
  }
  return { act }
}

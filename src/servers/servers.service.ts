import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { SecretCipher } from '../crypto/cipher.js'
import type { DB, ServerTable } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../errors.js'
import { createDockerHost, DOCKER_HOST_PATTERN, type DockerHost } from './docker-host.js'
import { hasActiveOnServer } from '../deployments/deployments.repo.js'
import { findTeamService, isServerUsed, updateService } from '../services/services.repo.js'
import type { ServerMonitor } from './server-monitor.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  cipher: SecretCipher
  dataDir: string
  monitor: ServerMonitor
  onRemoved?: (serverId: string) => void
  /** Called after a server is stored, so the serving process starts following it at once. */
  onAdded?: (serverId: string, host: DockerHost) => void
}

export type ServerInput = {
  name: string
  docker_host: string
  private_key?: string
  concurrency_limit?: number
  queue_limit?: number
}
export type ServersService = ReturnType<typeof createServersService>

function assertDockerHost(dockerHost: string, privateKey: string | null | undefined) {
  if (!DOCKER_HOST_PATTERN.test(dockerHost)) {
    throw new BadRequestError(
      'invalid_docker_host',
      `"${dockerHost}" is not a supported docker_host: use unix:///path/to/docker.sock or ssh://user@host[:port].`,
    )
  }
  if (dockerHost.startsWith('ssh://') && !privateKey)
    throw new BadRequestError('private_key_required', 'An ssh:// server needs a private_key.')
  if (privateKey && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey))
    throw new BadRequestError('invalid_private_key', 'private_key must be a PEM or OpenSSH private key.')
}

/** Server rows as the API shows them: never the key, only whether one is stored. */
export function serverView(s: ServerTable) {
  return {
    uuid: s.id,
    name: s.name,
    docker_host: s.docker_host,
    shared: s.team_id === null,
    default: s.is_default === 1,
    has_private_key: s.ssh_private_key !== null,
    concurrency_limit: s.concurrency_limit,
    queue_limit: s.queue_limit,
    created_at: s.created_at,
    updated_at: s.updated_at,
  }
}

export function createServersService({ db, audit, cipher, dataDir, monitor, onRemoved, onAdded }: Deps) {
  /** A server the team may use: its own, or a shared one (team_id null). Others are "not found". */
  async function find(dbh: Kysely<DB>, teamId: string, serverId: string) {
    const server = await dbh
      .selectFrom('servers')
      .selectAll()
      .where('id', '=', serverId)
      .where((eb) => eb.or([eb('team_id', '=', teamId), eb('team_id', 'is', null)]))
      .executeTakeFirst()
    if (!server) throw new NotFoundError(`Server ${serverId} was not found.`)
    return server
  }

  /** A server named in a request body (a project's default, a new service's place): one the team may use, else 422. */
  async function usable(dbh: Kysely<DB>, teamId: string, serverId: string) {
    return find(dbh, teamId, serverId).catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error
      throw new UnprocessableError('unknown_server', `Server ${serverId} is not a server of this team.`)
    })
  }

  /** Where a new service or database deploys: the server the request names (one the team may use), else its project's default. */
  async function placement(
    dbh: Kysely<DB>,
    teamId: string,
    requested: string | undefined,
    projectDefault: string | null,
  ) {
    return requested ? (await usable(dbh, teamId, requested)).id : projectDefault
  }

  function assertMayChange(server: ServerTable, mayManageShared: boolean) {
    if (server.team_id === null && !mayManageShared)
      throw new ForbiddenError(
        'shared_server',
        `Server ${server.id} is shared by all teams; only instance administrators change it.`,
      )
  }

  async function list(teamId: string) {
    const rows = await db
      .selectFrom('servers')
      .selectAll()
      .where((eb) => eb.or([eb('team_id', '=', teamId), eb('team_id', 'is', null)]))
      .orderBy('name')
      .execute()
    return rows.map((s) => ({ ...serverView(s), state: monitor.stateOf(s.id) }))
  }

  /** Adds a server private to the team, or with `shared` (instance administrators) one every team may use. */
  async function create(
    teamId: string,
    input: ServerInput & { shared?: boolean },
    actor: Actor,
    mayManageShared: boolean,
  ) {
    assertDockerHost(input.docker_host, input.private_key)
    if (input.shared && !mayManageShared)
      throw new ForbiddenError('instance_admin_required', 'Only instance administrators add shared servers.')
    const now = nowIso()
    const row: ServerTable = {
      id: newId(),
      team_id: input.shared ? null : teamId,
      name: input.name,
      docker_host: input.docker_host,
      ssh_private_key: input.private_key ? cipher.encrypt(input.private_key) : null,
      concurrency_limit: input.concurrency_limit ?? 2,
      queue_limit: input.queue_limit ?? 25,
      created_at: now,
      updated_at: now,
      is_default: 0,
    }
    await db.transaction().execute(async (trx) => {
      const clash = await trx
        .selectFrom('servers')
        .select('id')
        .where('name', '=', input.name)
        .where((eb) => eb.or([eb('team_id', '=', teamId), eb('team_id', 'is', null)]))
        .executeTakeFirst()
      if (clash) throw new ConflictError('name_taken', `A server named "${input.name}" already exists.`)
      await trx.insertInto('servers').values(row).execute()
      await audit.record(trx, actor, {
        // A shared server's changes are instance actions (no team); a team's own stay in its feed.
        teamId: row.team_id,
        action: 'server.created',
        resourceType: 'server',
        resourceId: row.id,
        details: { name: row.name, docker_host: row.docker_host },
      })
    })
    onAdded?.(row.id, hostOf(row))
    return row
  }

  async function update(
    teamId: string,
    serverId: string,
    input: Partial<ServerInput>,
    actor: Actor,
    mayManageShared: boolean,
  ) {
    return db.transaction().execute(async (trx) => {
      const before = await find(trx, teamId, serverId)
      assertMayChange(before, mayManageShared)
      const dockerHost = input.docker_host ?? before.docker_host
      const key = input.private_key !== undefined ? input.private_key : before.ssh_private_key
      assertDockerHost(dockerHost, key)
      const changes = {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.docker_host !== undefined && { docker_host: input.docker_host }),
        ...(input.private_key !== undefined && { ssh_private_key: cipher.encrypt(input.private_key) }),
        ...(input.concurrency_limit !== undefined && { concurrency_limit: input.concurrency_limit }),
        ...(input.queue_limit !== undefined && { queue_limit: input.queue_limit }),
      }
      const updated = { ...before, ...changes, updated_at: nowIso() }
      await trx
        .updateTable('servers')
        .set({ ...changes, updated_at: updated.updated_at })
        .where('id', '=', serverId)
        .execute()
      const changed = Object.keys(changes).map((k) => (k === 'ssh_private_key' ? 'private_key' : k))
      await audit.record(trx, actor, {
        // A shared server's changes are instance actions (no team); a team's own stay in its feed.
        teamId: before.team_id,
        action: 'server.updated',
        resourceType: 'server',
        resourceId: serverId,
        details: { changed },
      })
      return updated
    })
  }

  async function remove(teamId: string, serverId: string, actor: Actor, mayManageShared: boolean) {
    await db.transaction().execute(async (trx) => {
      const server = await find(trx, teamId, serverId)
      assertMayChange(server, mayManageShared)
      if (server.is_default === 1)
        throw new ConflictError(
          'server_in_use',
          'The default server cannot be deleted; resources deploy there by default.',
        )
      const busy = await hasActiveOnServer(trx, serverId)
      const used = await isServerUsed(trx, serverId)
      if (busy || used)
        throw new ConflictError(
          'server_in_use',
          `Server ${serverId} still has ${busy ? 'deployments queued or running' : 'resources placed on it'}.`,
        )
      await trx.deleteFrom('servers').where('id', '=', serverId).execute()
      await audit.record(trx, actor, {
        // A shared server's changes are instance actions (no team); a team's own stay in its feed.
        teamId: server.team_id,
        action: 'server.deleted',
        resourceType: 'server',
        resourceId: serverId,
        details: { name: server.name },
      })
    })
    monitor.forget(serverId)
    onRemoved?.(serverId)
  }

  /** Places a service or database on a server; its next deployment goes there. */
  async function assignResource(teamId: string, serviceId: string, serverId: string, actor: Actor) {
    await db.transaction().execute(async (trx) => {
      await findTeamService(trx, teamId, serviceId)
      const server = await find(trx, teamId, serverId)
      await updateService(trx, serviceId, { server_id: server.id })
      await audit.record(trx, actor, {
        action: 'service.server_assigned',
        resourceType: 'service',
        resourceId: serviceId,
        details: { server_id: server.id, server_name: server.name },
      })
    })
  }

  /** The server a resource deploys to: the one it was placed on, else the shared localhost. */
  async function serverForResource(dbh: Kysely<DB>, serverId: string | null | undefined): Promise<ServerTable> {
    let q = dbh.selectFrom('servers').selectAll()
    q = serverId ? q.where('id', '=', serverId) : q.where('is_default', '=', 1)
    const server = await q.executeTakeFirst()
    if (!server)
      throw new NotFoundError(serverId ? `Server ${serverId} was not found.` : 'No server is marked as the default.')
    return server
  }

  /** A host for a server row; builds the ssh transport from the stored (decrypted) key. */
  function hostOf(server: ServerTable): DockerHost {
    return createDockerHost(server, server.ssh_private_key ? cipher.decrypt(server.ssh_private_key) : null, dataDir)
  }

  async function hostById(serverId: string): Promise<{ server: ServerTable; host: DockerHost }> {
    const server = await serverForResource(db, serverId)
    return { server, host: hostOf(server) }
  }

  /** Reachability, engine and Compose versions, measured now (it runs commands on the host: a change-level action). */
  async function check(teamId: string, serverId: string, mayManageShared: boolean) {
    const server = await find(db, teamId, serverId)
    assertMayChange(server, mayManageShared)
    return monitor.refresh(server, hostOf(server), { withCompose: true })
  }

  /** Refreshes the live state of every server (the monitor's interval calls this); `each` sees every server's host. */
  async function refreshAll(each?: (serverId: string, host: DockerHost) => void) {
    const rows = await db.selectFrom('servers').selectAll().execute()
    return Promise.all(
      rows.map(async (s) => {
        const host = hostOf(s)
        each?.(s.id, host)
        return { serverId: s.id, host, state: await monitor.refresh(s, host, { withCompose: false }) }
      }),
    )
  }

  async function refreshOne(serverId: string) {
    const server = await db.selectFrom('servers').selectAll().where('id', '=', serverId).executeTakeFirst()
    if (!server) return undefined
    const host = hostOf(server)
    return { serverId, host, state: await monitor.refresh(server, host, { withCompose: false }) }
  }

  return {
    list,
    get: async (teamId: string, id: string) => serverView(await find(db, teamId, id)),
    find,
    usable,
    placement,
    create,
    update,
    remove,
    assignResource,
    serverForResource,
    hostOf,
    hostById,
    check,
    refreshAll,
    refreshOne,
  }
}

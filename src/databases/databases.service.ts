import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import { prepareVersion, writeVersion } from '../compose/versioning.js'
import type { BackupJobsOfDeleted } from '../database-backups/owner-deleted.js'
import type { DatabaseTable, DatabaseType, DB } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import type { DeploymentsService } from '../deployments/deployments.service.js'
import { triggerOf } from '../deployments/deployments.service.js'
import { composeProjectName } from '../deployments/resources.js'
import { MASK, type EnvService } from '../env/env.service.js'
import type { EventBus } from '../events/event-bus.js'
import { BadRequestError } from '../errors.js'
import { findTeamProject } from '../projects/projects.repo.js'
import { deleteService, findTeamResource, listNamesInProject } from '../services/services.repo.js'
import type { ServersService } from '../servers/servers.service.js'
import { createInTransaction, SERVICE_NAME_PATTERN } from '../services/services.service.js'
import { findDatabase, insertDatabase, listDatabasesIn } from './databases.repo.js'
import { databaseEnv, internalUrl, renderDatabaseCompose, TEMPLATES, type Credentials } from './templates.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  events: Pick<EventBus, 'publish'>
  env: Pick<EnvService, 'setInTransaction' | 'plainValue' | 'valuesForRender'>
  deployments: Pick<DeploymentsService, 'queueRemoval'>
  servers: Pick<ServersService, 'placement'>
  /** Deletes the backup jobs of what is deleted, in the same transaction. */
  backupJobs: Pick<BackupJobsOfDeleted, 'removeJobsOf'>
}

export type CreateDatabaseInput = {
  type: DatabaseType
  name: string
  version?: string
  image?: string
  public_port?: number
  description?: string
  /** The server it deploys to; without it, the project's default server. */
  server_uuid?: string
}
export type DatabasesService = ReturnType<typeof createDatabasesService>

const IMAGE_PATTERN = /^[a-z0-9][a-z0-9._/:@-]{0,254}$/
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** 32 URL-safe characters (192 bits): strong, and safe inside URLs, .env files and shell words. */
function generatePassword(): string {
  return randomBytes(24).toString('base64url')
}

function credentialsFor(type: DatabaseType, name: string): Credentials {
  const redisLike = type === 'redis' || type === 'keydb' || type === 'dragonfly'
  return {
    user: redisLike ? 'default' : 'berth',
    password: generatePassword(),
    rootPassword: generatePassword(),
    database: redisLike ? '0' : name.replace(/-/g, '_'),
  }
}

/**
 * A standalone database is a service whose compose file Berth generated from a template, plus a
 * `databases` row with its type and names. Sharing the service row (same id) means its compose
 * file is versioned like any other: history, diff and rollback work through the compose routes,
 * and deployments, env and logs need no second code path. Passwords are secret env variables,
 * encrypted at rest, and reach the containers only through the deployment's .env file.
 */
export function createDatabasesService({ db, audit, events, env: envService, deployments, servers, backupJobs }: Deps) {
  async function create(teamId: string, projectId: string, input: CreateDatabaseInput, actor: Actor) {
    if (!SERVICE_NAME_PATTERN.test(input.name))
      throw new BadRequestError(
        'invalid_name',
        `"${input.name}" is not a valid database name: use 1 to 63 lowercase letters, digits and hyphens.`,
      )
    const template = TEMPLATES[input.type]
    const version = input.version ?? template.defaultVersion
    if (!VERSION_PATTERN.test(version))
      throw new BadRequestError('invalid_version', `"${version}" is not a valid image tag.`)
    const image = input.image ?? template.image(version)
    if (!IMAGE_PATTERN.test(image))
      throw new BadRequestError('invalid_image', `"${image}" is not a valid image reference.`)
    const id = newId()
    const volumeName = `${composeProjectName(id)}-data`
    const credentials = credentialsFor(input.type, input.name)
    const prepared = prepareVersion(
      renderDatabaseCompose(
        { type: input.type, image, publicPort: input.public_port ?? null, volumeName },
        credentials,
      ),
      [],
    )
    const { env, secretKeys } = databaseEnv(input.type, credentials)
    const now = nowIso()
    const row: DatabaseTable = {
      id,
      type: input.type,
      version,
      image,
      public_port: input.public_port ?? null,
      volume_name: volumeName,
      db_user: credentials.user,
      db_name: credentials.database,
      created_at: now,
    }
    await db.transaction().execute(async (trx) => {
      const project = await findTeamProject(trx, teamId, projectId)
      const { server_id } = await createInTransaction(trx, {
        id,
        projectId,
        name: input.name,
        description: input.description ?? '',
        now,
        kind: 'database',
        serverId: await servers.placement(trx, teamId, input.server_uuid, project.default_server_id),
      })
      await insertDatabase(trx, row)
      await envService.setInTransaction(
        trx,
        id,
        Object.fromEntries(
          Object.entries(env).map(([key, value]) => [key, { value, secret: secretKeys.includes(key) }]),
        ),
      )
      await audit.record(trx, actor, {
        action: 'database.created',
        resourceType: 'database',
        resourceId: id,
        details: {
          name: input.name,
          type: input.type,
          image,
          project_id: projectId,
          server_id,
          secret_keys: secretKeys,
        },
      })
      await writeVersion(trx, audit, actor, {
        serviceId: id,
        baseVersion: 0,
        prepared,
        description: `Generated ${input.type} database`,
        action: 'compose.created',
      })
    })
    events.publish({ type: 'compose.changed', teamId, serviceId: id, version: 1 })
    return get(teamId, id, false)
  }

  /** The database with its internal connection string; the password is masked unless revealSecrets. */
  async function get(teamId: string, id: string, revealSecrets: boolean) {
    const resource = await findTeamResource(db, teamId, id, 'database')
    const row = await findDatabase(db, id)
    const passwordKey = TEMPLATES[row.type].secretKeys[0]!
    const password = revealSecrets ? ((await envService.plainValue(id, passwordKey)) ?? MASK) : MASK
    const host = containerName(id, row.type)
    return {
      uuid: id,
      project_uuid: resource.projectId,
      name: resource.name,
      type: row.type,
      version: row.version,
      image: row.image,
      public_port: row.public_port,
      volume_name: row.volume_name,
      current_version: resource.currentVersion,
      server_uuid: resource.serverId,
      created_at: row.created_at,
      username: row.db_user,
      database: row.db_name,
      password_masked: !revealSecrets,
      internal_url: internalUrl(
        row.type,
        { user: row.db_user, password, rootPassword: '', database: row.db_name },
        host,
      ),
    }
  }

  async function listInProject(teamId: string, projectId: string) {
    await findTeamProject(db, teamId, projectId)
    // Names and versions live on the service rows (in name order), the rest on the databases rows.
    const services = await listNamesInProject(db, projectId)
    const databases = new Map(
      (
        await listDatabasesIn(
          db,
          services.map((s) => s.id),
        )
      ).map((d) => [d.id, d]),
    )
    return services
      .filter((s) => databases.has(s.id))
      .map((s) => {
        const d = databases.get(s.id)!
        return {
          id: d.id,
          name: s.name,
          type: d.type,
          image: d.image,
          current_version: s.current_version,
          created_at: d.created_at,
        }
      })
  }

  /**
   * Deletes the database's configuration rows (its compose versions and credentials) and queues a
   * `remove` deployment: the worker takes down its containers and volume with its last compose
   * file. Its deployment history and audit rows stay. Returns the removal's deployment uuid.
   */
  async function remove(teamId: string, id: string, actor: Actor) {
    const removal = await db.transaction().execute(async (trx) => {
      const resource = await findTeamResource(trx, teamId, id, 'database')
      const volume = await findDatabase(trx, id)
      const queued = await deployments.queueRemoval(trx, {
        resource,
        actor,
        trigger: triggerOf(actor.via),
        volumes: true,
      })
      await backupJobs.removeJobsOf(trx, [id], actor)
      await deleteService(trx, id)
      await audit.record(trx, actor, {
        action: 'database.deleted',
        resourceType: 'database',
        resourceId: id,
        details: { name: resource.name, volume_name: volume.volume_name, removal_deployment_id: queued.deploymentId },
      })
      return queued
    })
    events.publish({ type: 'service.deleted', teamId, serviceId: id })
    removal.announce()
    return { deployment_uuid: removal.deploymentId }
  }

  /**
   * What a backup or restore of the database needs: its container, its server, the credentials
   * (decrypted: the caller passes them to the container by environment only) and every secret
   * value its logs must hide.
   */
  async function backupTarget(teamId: string, id: string) {
    const resource = await findTeamResource(db, teamId, id, 'database')
    const row = await findDatabase(db, id)
    const { env, secrets } = await envService.valuesForRender(teamId, id)
    const keys = TEMPLATES[row.type].secretKeys
    return {
      id,
      name: resource.name,
      projectId: resource.projectId,
      type: row.type,
      serverId: resource.serverId,
      container: containerName(id, row.type),
      user: row.db_user,
      database: row.db_name,
      password: env[keys[0]!] ?? '',
      rootPassword: env[keys[1] ?? keys[0]!] ?? '',
      secrets,
    }
  }

  return { create, get, listInProject, remove, backupTarget }
}

/** The container Compose names for a database's one service. */
function containerName(id: string, type: DatabaseType): string {
  return `${composeProjectName(id)}-${type}-1`
}

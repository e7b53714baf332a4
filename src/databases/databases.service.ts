import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import { prepareVersion, writeVersion } from '../compose/versioning.js'
import type { SecretCipher } from '../crypto/cipher.js'
import type { DatabaseTable, DatabaseType, DB } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import type { DeploymentsService } from '../deployments/deployments.service.js'
import { triggerOf } from '../deployments/deployments.service.js'
import { composeProjectName, findTeamResource } from '../deployments/resources.js'
import { MASK } from '../env/env.service.js'
import type { EventBus } from '../events/event-bus.js'
import { BadRequestError, ConflictError } from '../errors.js'
import { findTeamProject } from '../projects/projects.service.js'
import { SERVICE_NAME_PATTERN } from '../services/services.service.js'
import { databaseEnv, internalUrl, renderDatabaseCompose, TEMPLATES, type Credentials } from './templates.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  events: Pick<EventBus, 'publish'>
  cipher: SecretCipher
  deployments: Pick<DeploymentsService, 'queueRemoval'>
}

export type CreateDatabaseInput = {
  type: DatabaseType
  name: string
  version?: string
  image?: string
  public_port?: number
  description?: string
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
export function createDatabasesService({ db, audit, events, cipher, deployments }: Deps) {
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
      await findTeamProject(trx, teamId, projectId)
      if (
        await trx
          .selectFrom('services')
          .select('id')
          .where('project_id', '=', projectId)
          .where('name', '=', input.name)
          .executeTakeFirst()
      ) {
        throw new ConflictError(
          'name_taken',
          `A service or database named "${input.name}" already exists in this project.`,
        )
      }
      await trx
        .insertInto('services')
        .values({
          id,
          project_id: projectId,
          name: input.name,
          description: input.description ?? '',
          current_version: 1,
          created_at: now,
          updated_at: now,
        })
        .execute()
      await trx.insertInto('databases').values(row).execute()
      for (const [key, value] of Object.entries(env)) {
        const secret = secretKeys.includes(key)
        await trx
          .insertInto('service_env')
          .values({
            service_id: id,
            key,
            value: secret ? cipher.encrypt(value) : value,
            secret: secret ? 1 : 0,
            updated_at: now,
          })
          .execute()
      }
      await audit.record(trx, actor, {
        action: 'database.created',
        resourceType: 'database',
        resourceId: id,
        details: { name: input.name, type: input.type, image, project_id: projectId, secret_keys: secretKeys },
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
    const row = await db.selectFrom('databases').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    const passwordKey = TEMPLATES[row.type].secretKeys[0]!
    const stored = await db
      .selectFrom('service_env')
      .select('value')
      .where('service_id', '=', id)
      .where('key', '=', passwordKey)
      .executeTakeFirst()
    const password = stored && revealSecrets ? cipher.decrypt(stored.value) : MASK
    const host = `${composeProjectName(id)}-${row.type}-1`
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
    return db
      .selectFrom('databases')
      .innerJoin('services', 'services.id', 'databases.id')
      .select([
        'databases.id',
        'services.name',
        'databases.type',
        'databases.image',
        'services.current_version',
        'databases.created_at',
      ])
      .where('services.project_id', '=', projectId)
      .orderBy('services.name')
      .execute()
  }

  /**
   * Deletes the database's configuration rows (its compose versions and credentials) and queues a
   * `remove` deployment: the worker takes down its containers and volume with its last compose
   * file. Its deployment history and audit rows stay. Returns the removal's deployment uuid.
   */
  async function remove(teamId: string, id: string, actor: Actor) {
    const removal = await db.transaction().execute(async (trx) => {
      const resource = await findTeamResource(trx, teamId, id, 'database')
      const volume = await trx
        .selectFrom('databases')
        .select('volume_name')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      const queued = await deployments.queueRemoval(trx, {
        resource,
        actor,
        trigger: triggerOf(actor.via),
        volumes: true,
      })
      await trx.deleteFrom('services').where('id', '=', id).execute()
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

  return { create, get, listInProject, remove }
}

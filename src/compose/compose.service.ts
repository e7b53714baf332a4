import { createTwoFilesPatch } from 'diff'
import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB } from '../db/schema.js'
import type { EventBus } from '../events/event-bus.js'
import { BadRequestError } from '../errors.js'
import type { Parameter } from './compose.params.js'
import { findTeamService } from '../services/services.repo.js'
import { findCurrentVersion, findVersion, listParameterRows, listVersions, parameterFromRow } from './compose.repo.js'
import { prepareVersion, writeVersion } from './versioning.js'
import { restoreParameters } from './parameters.service.js'

type Deps = { db: Kysely<DB>; audit: Pick<AuditService, 'record'>; events: Pick<EventBus, 'publish'> }

export type ComposeService = ReturnType<typeof createComposeService>

export function createComposeService({ db, audit, events }: Deps) {
  async function getCurrent(teamId: string, serviceId: string) {
    const v = await findCurrentVersion(db, teamId, serviceId)
    return {
      version: v.version,
      yaml: v.yaml,
      rendered_yaml: v.rendered_yaml,
      sha256: v.sha256,
      description: v.description,
      author: v.author_name,
      created_at: v.created_at,
    }
  }

  /** Saves a new version based on base_version; a stale base gets 409 version_conflict, bad YAML 422 invalid_compose. */
  async function update(
    teamId: string,
    serviceId: string,
    input: { yaml: string; baseVersion: number; description?: string },
    actor: Actor,
  ) {
    await findTeamService(db, teamId, serviceId)
    const parameters = (await listParameterRows(db, serviceId)).map(parameterFromRow)
    const prepared = prepareVersion(input.yaml, parameters)
    const written = await db.transaction().execute((trx) =>
      writeVersion(trx, audit, actor, {
        serviceId,
        baseVersion: input.baseVersion,
        prepared,
        description: input.description?.trim() || `Updated compose file`,
        action: 'compose.updated',
      }),
    )
    events.publish({ type: 'compose.changed', teamId, serviceId, version: written.version })
    return written
  }

  /** Rollback never rewrites history: it appends a version with version N's file and parameter values. */
  async function rollback(
    teamId: string,
    serviceId: string,
    input: { version: number; baseVersion?: number },
    actor: Actor,
  ) {
    const service = await findTeamService(db, teamId, serviceId)
    const target = await findVersion(db, serviceId, input.version)
    const baseVersion = input.baseVersion ?? service.current_version
    if (input.version === baseVersion) {
      throw new BadRequestError(
        'already_current',
        `Version ${input.version} is already the current version of service ${serviceId}.`,
      )
    }
    const parameters = JSON.parse(target.parameters) as Parameter[]
    const prepared = prepareVersion(target.yaml, parameters)
    const written = await db.transaction().execute(async (trx) => {
      const written = await writeVersion(trx, audit, actor, {
        serviceId,
        baseVersion,
        prepared,
        description: `Rollback to version ${input.version}`,
        action: 'compose.rolled_back',
        auditDetails: { rolled_back_to: input.version },
      })
      await restoreParameters(trx, serviceId, parameters)
      return written
    })
    events.publish({ type: 'compose.changed', teamId, serviceId, version: written.version })
    return written
  }

  async function versions(teamId: string, serviceId: string) {
    const service = await findTeamService(db, teamId, serviceId)
    return { current_version: service.current_version, versions: await listVersions(db, serviceId) }
  }

  async function version(teamId: string, serviceId: string, n: number) {
    await findTeamService(db, teamId, serviceId)
    const v = await findVersion(db, serviceId, n)
    return {
      version: v.version,
      yaml: v.yaml,
      rendered_yaml: v.rendered_yaml,
      sha256: v.sha256,
      parameters: JSON.parse(v.parameters) as Parameter[],
      author: { type: v.author_type, id: v.author_id, name: v.author_name },
      description: v.description,
      created_at: v.created_at,
    }
  }

  /** A unified diff from version `from` to `to`, of the stored files or (rendered) with parameter values filled in. */
  async function diff(teamId: string, serviceId: string, from: number, to: number, rendered = false) {
    await findTeamService(db, teamId, serviceId)
    const [a, b] = await Promise.all([findVersion(db, serviceId, from), findVersion(db, serviceId, to)])
    const patch = createTwoFilesPatch(
      `v${from}/compose.yaml`,
      `v${to}/compose.yaml`,
      rendered ? a.rendered_yaml : a.yaml,
      rendered ? b.rendered_yaml : b.yaml,
      undefined,
      undefined,
      { context: 3 },
    )
    return { from, to, rendered, identical: !patch.includes('\n@@'), diff: patch }
  }

  return { getCurrent, update, rollback, versions, version, diff }
}

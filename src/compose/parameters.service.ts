import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB } from '../db/schema.js'
import type { EventBus } from '../events/event-bus.js'
import { nowIso } from '../db/time.js'
import { BadRequestError } from '../errors.js'
import { PARAMETER_NAME_PATTERN, parseParameterValue, type Parameter, type ParameterType } from './compose.params.js'
import { findTeamService } from '../services/services.repo.js'
import { findVersion, listParameterRows, parameterFromRow } from './compose.repo.js'
import { prepareVersion, writeVersion } from './versioning.js'

type Deps = { db: Kysely<DB>; audit: Pick<AuditService, 'record'>; events: Pick<EventBus, 'publish'> }

/** A requested change: a typed value to set, or null to remove the parameter. */
export type ParameterChanges = Record<string, { type: ParameterType; value: unknown } | null>

export type ParametersService = ReturnType<typeof createParametersService>

/** Makes the parameter table equal to `parameters` (used by rollback, inside its transaction). */
export async function restoreParameters(trx: Kysely<DB>, serviceId: string, parameters: Parameter[]) {
  await trx.deleteFrom('service_parameters').where('service_id', '=', serviceId).execute()
  if (parameters.length === 0) return
  const now = nowIso()
  await trx
    .insertInto('service_parameters')
    .values(
      parameters.map((p) => ({
        service_id: serviceId,
        name: p.name,
        type: p.type,
        value: JSON.stringify(p.value),
        updated_at: now,
      })),
    )
    .execute()
}

function applyChanges(current: Parameter[], changes: ParameterChanges): Parameter[] {
  const byName = new Map(current.map((p) => [p.name, p]))
  const problems: { name: string; message: string }[] = []
  for (const [name, change] of Object.entries(changes)) {
    if (!PARAMETER_NAME_PATTERN.test(name)) {
      problems.push({
        name,
        message: `"${name}" is not a valid parameter name (lowercase letters, digits and _, starting with a letter)`,
      })
    } else if (change === null) {
      byName.delete(name)
    } else {
      const parsed = parseParameterValue(change.type, change.value)
      if (parsed.ok) byName.set(name, { name, type: change.type, value: parsed.value })
      else problems.push({ name, message: parsed.message })
    }
  }
  if (problems.length > 0) {
    throw new BadRequestError('invalid_parameters', `Parameter ${problems[0]!.name}: ${problems[0]!.message}.`, {
      problems,
    })
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name))
}

function describeChange(names: string[]): string {
  return names.length === 1 ? `Changed parameter ${names[0]}` : `Changed parameters ${names.join(', ')}`
}

export function createParametersService({ db, audit, events }: Deps) {
  async function list(teamId: string, serviceId: string) {
    const service = await findTeamService(db, teamId, serviceId)
    return {
      version: service.current_version,
      parameters: (await listParameterRows(db, serviceId)).map(parameterFromRow),
    }
  }

  /**
   * Sets or removes parameters and writes the new compose version that renders them, in one
   * transaction: the rendered file and the parameter table never disagree.
   */
  async function update(
    teamId: string,
    serviceId: string,
    input: { changes: ParameterChanges; baseVersion?: number },
    actor: Actor,
  ) {
    const names = Object.keys(input.changes).sort()
    if (names.length === 0) throw new BadRequestError('no_changes', 'Name at least one parameter to set or remove.')
    const service = await findTeamService(db, teamId, serviceId)
    const baseVersion = input.baseVersion ?? service.current_version
    const current = await findVersion(db, serviceId, baseVersion)
    const parameters = applyChanges((await listParameterRows(db, serviceId)).map(parameterFromRow), input.changes)
    const prepared = prepareVersion(current.yaml, parameters)
    const result = await db.transaction().execute(async (trx) => {
      const written = await writeVersion(trx, audit, actor, {
        serviceId,
        baseVersion,
        prepared,
        description: describeChange(names),
        action: 'parameters.updated',
        auditDetails: { parameters: names },
      })
      await restoreParameters(trx, serviceId, parameters)
      return { ...written, parameters }
    })
    events.publish({ type: 'compose.changed', teamId, serviceId, version: result.version })
    return result
  }

  return { list, update }
}

import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import { sha256Hex } from '../shared/hash.js'
import { preparedQuery } from '../db/prepared.js'
import type { ComposeVersionTable, DB } from '../db/schema.js'
import type { Insertable } from 'kysely'
import { nowIso } from '../db/time.js'
import { ConflictError, UnprocessableError } from '../errors.js'
import { renderComposeTemplate, type Parameter } from './compose.params.js'
import { validateComposeText } from './compose.validate.js'

/** A compose version checked and rendered outside any transaction, ready to be written. */
export type PreparedVersion = { yaml: string; renderedYaml: string; sha256: string; parameters: Parameter[] }

/**
 * Renders the template with the parameters and validates the result. Throws 422 invalid_compose
 * with every issue (path, message, line) so a user can fix them all in one go.
 */
export function prepareVersion(yaml: string, parameters: Parameter[]): PreparedVersion {
  const rendered = renderComposeTemplate(yaml, parameters)
  if (!rendered.ok) throw invalidCompose(rendered.issues)
  const valid = validateComposeText(rendered.text)
  if (!valid.ok) throw invalidCompose(valid.issues)
  return { yaml, renderedYaml: rendered.text, sha256: sha256Hex(yaml), parameters }
}

function invalidCompose(issues: { path: string; message: string; line?: number }[]) {
  const first = issues[0]
  const summary = first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : 'invalid document'
  return new UnprocessableError(
    'invalid_compose',
    `The compose file is not valid: ${summary}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}.`,
    {
      issues,
    },
  )
}

const movePointer = preparedQuery((db, serviceId: string, base: number, next: number, now: string) =>
  db
    .updateTable('services')
    .set({ current_version: next, updated_at: now })
    .where('id', '=', serviceId)
    .where('current_version', '=', base),
)

const insertVersion = preparedQuery(
  (db, ...v: [string, number, string, string, string, string, string, string | null, string, string, string]) =>
    db.insertInto('compose_versions').values({
      service_id: v[0],
      version: v[1],
      yaml: v[2],
      rendered_yaml: v[3],
      sha256: v[4],
      parameters: v[5],
      author_type: v[6] as Insertable<ComposeVersionTable>['author_type'],
      author_id: v[7],
      author_name: v[8],
      description: v[9],
      created_at: v[10],
    }),
)

export type WriteVersionInput = {
  serviceId: string
  /** The version the caller's change was based on; 0 for a service's first version. */
  baseVersion: number
  prepared: PreparedVersion
  description: string
  action: string
  auditDetails?: Record<string, unknown>
}

/**
 * Appends version base+1 inside the caller's transaction. The compare-and-set on
 * services.current_version comes first, so of N concurrent writers from the same base exactly one
 * wins and the rest get 409 with the current number; the unique (service_id, version) key backs it up.
 */
export async function writeVersion(
  trx: Kysely<DB>,
  audit: Pick<AuditService, 'record'>,
  actor: Actor,
  input: WriteVersionInput,
) {
  const version = input.baseVersion + 1
  const now = nowIso()
  if (input.baseVersion > 0) {
    const moved = await movePointer(trx, input.serviceId, input.baseVersion, version, now)
    if (Number(moved.numAffectedRows) === 0) {
      const current = await trx
        .selectFrom('services')
        .select('current_version')
        .where('id', '=', input.serviceId)
        .executeTakeFirst()
      throw new ConflictError(
        'version_conflict',
        `Service ${input.serviceId} is at version ${current?.current_version}, not ${input.baseVersion}: reload it and apply your change again.`,
        { current_version: current?.current_version, base_version: input.baseVersion },
      )
    }
  }
  const { prepared } = input
  await insertVersion(
    trx,
    input.serviceId,
    version,
    prepared.yaml,
    prepared.renderedYaml,
    prepared.sha256,
    JSON.stringify(prepared.parameters),
    actor.type === 'anonymous' ? 'system' : actor.type,
    actor.id,
    actor.name,
    input.description,
    now,
  )
  await audit.record(trx, actor, {
    action: input.action,
    resourceType: 'service',
    resourceId: input.serviceId,
    details: { version, sha256: prepared.sha256, description: input.description, ...input.auditDetails },
  })
  return { version, sha256: prepared.sha256, created_at: now }
}

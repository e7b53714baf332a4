import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import { sha256Hex } from '../shared/hash.js'
import type { DB } from '../db/schema.js'
import { nowIso } from '../db/time.js'
import { ConflictError, UnprocessableError } from '../errors.js'
import { renderComposeTemplate, type Parameter } from './compose.params.js'
import { currentVersionOf, moveCurrentVersion } from '../services/services.repo.js'
import { insertVersion } from './compose.repo.js'
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
    const moved = await moveCurrentVersion(trx, {
      serviceId: input.serviceId,
      base: input.baseVersion,
      next: version,
      now,
    })
    if (!moved) {
      const current = await currentVersionOf(trx, input.serviceId)
      throw new ConflictError(
        'version_conflict',
        `Service ${input.serviceId} is at version ${current}, not ${input.baseVersion}: reload it and apply your change again.`,
        { current_version: current, base_version: input.baseVersion },
      )
    }
  }
  const { prepared } = input
  await insertVersion(trx, {
    serviceId: input.serviceId,
    version,
    yaml: prepared.yaml,
    renderedYaml: prepared.renderedYaml,
    sha256: prepared.sha256,
    parameters: JSON.stringify(prepared.parameters),
    authorType: actor.type === 'anonymous' ? 'system' : actor.type,
    authorId: actor.id,
    authorName: actor.name,
    description: input.description,
    createdAt: now,
  })
  await audit.record(trx, actor, {
    action: input.action,
    resourceType: 'service',
    resourceId: input.serviceId,
    details: { version, sha256: prepared.sha256, description: input.description, ...input.auditDetails },
  })
  return { version, sha256: prepared.sha256, created_at: now }
}

import { createTwoFilesPatch } from 'diff'
import type { Actor } from '../audit/audit.service.js'
import { findVersion, listParameterRows, parameterFromRow } from '../compose/compose.repo.js'
import { restoreParameters } from '../compose/parameters.service.js'
import { prepareVersion, writeVersion } from '../compose/versioning.js'
import { nowIso } from '../db/time.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { findTeamService } from '../services/services.repo.js'
import type { Template } from './templates.manifest.js'
import { overrideImages, resolveParameters } from './templates.render.js'
import { insertServiceTemplate, listServiceTemplates } from './templates.repo.js'
import { generatedSecrets, shownSecrets } from './templates.secrets.js'
import type { TemplateDeps } from './templates.service.js'

export type UpgradeInput = {
  parameters?: Record<string, unknown>
  images?: Record<string, string>
  /** Only show what the upgrade would write. */
  dryRun?: boolean
  baseVersion?: number
}

/** Compares dotted versions numerically (1.10.0 is newer than 1.9.0). */
function isNewer(candidate: string, than: string): boolean {
  const a = candidate.split('.').map(Number)
  const b = than.split('.').map(Number)
  for (let i = 0; i < Math.max(a.length, b.length); i += 1)
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  return false
}

/**
 * Upgrades of services created from a template: the catalog's newer version becomes a new
 * compose version (so diff and rollback work as for any change), keeping the user's parameter
 * values and secrets; parameters and secrets the new version adds get defaults and fresh values.
 */
export function createTemplateUpgrades(
  { db, audit, events, env, keepBuiltImages }: TemplateDeps,
  templateById: (id: string) => Template,
) {
  /**
   * The template version the service's current compose file came from: the one that wrote a file
   * with the same hash (a rollback brings an older one back), else the newest (the user edited it since).
   */
  async function origin(teamId: string, serviceId: string) {
    const service = await findTeamService(db, teamId, serviceId)
    const rows = await listServiceTemplates(db, serviceId)
    if (rows.length === 0) return null
    const current = await findVersion(db, serviceId, service.current_version)
    const row = rows.find((r) => r.compose_sha256 === current.sha256) ?? rows[0]!
    return { service, current, row, template: templateById(row.template_id) }
  }

  /** Where the service came from; null for a service not made from a template (a fact, not an error). */
  async function status(teamId: string, serviceId: string) {
    const found = await origin(teamId, serviceId)
    if (!found) return null
    const { row, template } = found
    return {
      template_id: template.id,
      template_name: template.name,
      version: row.template_version,
      latest_version: template.version,
      upgrade_available: isNewer(template.version, row.template_version),
    }
  }

  async function upgrade(teamId: string, serviceId: string, input: UpgradeInput, actor: Actor, reveal: boolean) {
    const found = await origin(teamId, serviceId)
    if (!found) throw new NotFoundError(`Service ${serviceId} was not created from a template.`)
    const { service, current: atCurrent, row, template } = found
    if (!isNewer(template.version, row.template_version))
      throw new ConflictError(
        'template_up_to_date',
        `Service ${serviceId} is at version ${row.template_version} of template ${template.id}, the newest there is.`,
        { version: row.template_version },
      )
    const baseVersion = input.baseVersion ?? service.current_version
    const kept = (await listParameterRows(db, serviceId)).map(parameterFromRow)
    const parameters = resolveParameters(template, input.parameters ?? {}, kept)
    const upgraded = overrideImages(template.compose, input.images ?? {})
    const prepared = prepareVersion(
      keepBuiltImages ? await keepBuiltImages(teamId, serviceId, upgraded) : upgraded,
      parameters,
    )
    const current = baseVersion === service.current_version ? atCurrent : await findVersion(db, serviceId, baseVersion)
    const diff = createTwoFilesPatch(
      `v${baseVersion}/compose.yaml`,
      'upgrade/compose.yaml',
      current.yaml,
      prepared.yaml,
    )
    const existing = new Set(Object.keys(await env.list(teamId, serviceId, false)))
    const secrets = generatedSecrets(template, existing)
    const plan = { from: row.template_version, to: template.version, diff, new_secret_keys: Object.keys(secrets) }
    if (input.dryRun) return { ...plan, compose_version: null, secrets: [] }
    const written = await db.transaction().execute(async (trx) => {
      const result = await writeVersion(trx, audit, actor, {
        serviceId,
        baseVersion,
        prepared,
        description: `Upgraded template ${template.name} from version ${row.template_version} to ${template.version}`,
        action: 'template.upgraded',
        auditDetails: {
          template: template.id,
          from: row.template_version,
          to: template.version,
          secret_keys: plan.new_secret_keys,
        },
      })
      await restoreParameters(trx, serviceId, parameters)
      await env.setInTransaction(trx, serviceId, secrets)
      await insertServiceTemplate(trx, {
        serviceId,
        templateId: template.id,
        version: template.version,
        sha256: prepared.sha256,
        now: nowIso(),
      })
      return result
    })
    events.publish({ type: 'compose.changed', teamId, serviceId, version: written.version })
    return { ...plan, compose_version: written.version, secrets: shownSecrets(secrets, reveal) }
  }

  return { status, upgrade }
}

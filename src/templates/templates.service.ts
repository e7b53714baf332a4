import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import { restoreParameters } from '../compose/parameters.service.js'
import { prepareVersion, writeVersion } from '../compose/versioning.js'
import type { DB } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import { triggerOf, type DeploymentsService } from '../deployments/deployments.service.js'
import type { EnvService } from '../env/env.service.js'
import type { BerthEvent, EventBus } from '../events/event-bus.js'
import { BadRequestError, NotFoundError, UnprocessableError } from '../errors.js'
import { findTeamProject } from '../projects/projects.repo.js'
import { domainOps } from '../proxy/config/domains.service.js'
import { routeOps } from '../proxy/config/routes.service.js'
import { domainInput, routeInput } from '../proxy/proxy.schemas.js'
import { assertProjectRenders } from '../proxy/sync/proxy.check.js'
import { updateService } from '../services/services.repo.js'
import { createInTransaction, SERVICE_NAME_PATTERN } from '../services/services.service.js'
import { checkTemplate, type TemplateCatalog } from './templates.catalog.js'
import { createLogoCache } from './templates.logos.js'
import { convertCoolify } from './import/coolify.js'
import { convertDokploy } from './import/dokploy.js'
import type { Template } from './templates.manifest.js'
import { overrideImages, resolveParameters } from './templates.render.js'
import { insertServiceTemplate } from './templates.repo.js'
import { generatedSecrets, shownSecrets } from './templates.secrets.js'
import { createTemplateUpgrades } from './templates.upgrade.js'

export type TemplateDeps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  events: Pick<EventBus, 'publish'>
  env: Pick<EnvService, 'setInTransaction' | 'list'>
  deployments: Pick<DeploymentsService, 'queue' | 'queueAttach'>
  catalog: TemplateCatalog
  /**
   * A template's new compose file with the images Berth built for the service kept (a service whose
   * code comes from Git runs its own build, not the template's image; see git-sources).
   */
  keepBuiltImages?(teamId: string, serviceId: string, yaml: string): Promise<string>
}

export type DeployTemplateInput = {
  name: string
  description?: string
  parameters?: Record<string, unknown>
  /** A host name; the template's routed compose service answers there. */
  domain?: string
  images?: Record<string, string>
  deploy?: boolean
}

export type ImportInput = DeployTemplateInput & {
  format: 'coolify' | 'dokploy'
  compose: string
  templateToml?: string
  dryRun?: boolean
}

function convertImport(input: ImportInput) {
  if (input.format === 'coolify') return convertCoolify(input.name, input.compose)
  if (!input.templateToml)
    throw new BadRequestError(
      'template_toml_required',
      'A Dokploy template needs its template.toml next to the compose file.',
    )
  return convertDokploy(input.name, input.compose, input.templateToml)
}

export type TemplatesService = ReturnType<typeof createTemplatesService>

export function createTemplatesService(deps: TemplateDeps) {
  const { db, audit, events, env, deployments, catalog } = deps

  function get(id: string): Template {
    const template = catalog.get(id)
    if (!template) throw new NotFoundError(`The template "${id}" does not exist.`, { template: id })
    return template
  }

  /**
   * Creates a service from a template in one transaction: the service at compose version 1, its
   * parameters, its generated secrets (encrypted env values), the template it came from, and the
   * domain with its route when one is given; every step writes its audit row. A deployment, when
   * asked for, is queued after the commit.
   */
  async function deployTemplate(
    teamId: string,
    projectId: string,
    template: Template,
    input: DeployTemplateInput,
    actor: Actor,
    revealSecrets: boolean,
    fromCatalog: boolean,
  ) {
    if (!SERVICE_NAME_PATTERN.test(input.name))
      throw new BadRequestError(
        'invalid_name',
        `"${input.name}" is not a valid service name: use 1 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit.`,
      )
    if (input.domain && !template.route)
      throw new BadRequestError('no_route', `The template ${template.id} has no web interface to route a domain to.`)
    const given = { ...input.parameters }
    if (input.domain && template.parameters.some((p) => p.name === 'domain') && given.domain === undefined)
      given.domain = input.domain
    const parameters = resolveParameters(template, given)
    const prepared = prepareVersion(overrideImages(template.compose, input.images ?? {}), parameters)
    const secrets = generatedSecrets(template)
    const id = newId()
    const announce: BerthEvent[] = [{ type: 'compose.changed', teamId, serviceId: id, version: 1 }]
    const route = await db.transaction().execute(async (trx) => {
      const project = await findTeamProject(trx, teamId, projectId)
      const now = nowIso()
      const service = await createInTransaction(trx, {
        id,
        projectId,
        name: input.name,
        description: input.description ?? template.description,
        now,
        kind: 'service',
        serverId: project.default_server_id,
      })
      await updateService(trx, id, { health_timeout_seconds: template.health.timeout_seconds })
      await audit.record(trx, actor, {
        action: 'service.created',
        resourceType: 'service',
        resourceId: id,
        details: {
          name: service.name,
          project_id: projectId,
          server_id: service.server_id,
          template: template.id,
          template_version: template.version,
        },
      })
      await writeVersion(trx, audit, actor, {
        serviceId: id,
        baseVersion: 0,
        prepared,
        description: `Created from template ${template.name}, version ${template.version}`,
        action: 'compose.created',
      })
      await restoreParameters(trx, id, parameters)
      await env.setInTransaction(trx, id, secrets)
      // Only catalog templates can offer upgrades; an imported one has no newer version to come.
      if (fromCatalog)
        await insertServiceTemplate(trx, {
          serviceId: id,
          templateId: template.id,
          version: template.version,
          sha256: prepared.sha256,
          now,
        })
      await audit.record(trx, actor, {
        action: fromCatalog ? 'template.deployed' : 'template.imported',
        resourceType: 'service',
        resourceId: id,
        details: {
          template: template.id,
          template_version: template.version,
          parameters: parameters.map((p) => p.name),
          secret_keys: Object.keys(secrets),
        },
      })
      if (!input.domain || !template.route) return { main: null, more: [] }
      /** A domain of the project and a route on it to one compose service of the new service. */
      const routeTo = async (host: string, composeService: string, port: number) => {
        const domain = await domainOps(audit).create(trx, teamId, projectId, domainInput.parse({ domain: host }), actor)
        const target = { service: id, compose_service: composeService, port }
        const created = await routeOps(audit, deployments.queueAttach).create(
          trx,
          teamId,
          domain.value.id,
          routeInput.parse({ target }),
          actor,
        )
        announce.push(domain.event, created.event)
        return { domain: domain.value.full_domain, route_id: created.value.id, ...target }
      }
      const main = await routeTo(input.domain, template.route.service, template.route.port)
      const more = []
      for (const extra of template.more_routes)
        more.push(await routeTo(`${extra.subdomain}.${input.domain}`, extra.service, extra.port))
      await assertProjectRenders(trx, projectId)
      return { main, more }
    })
    for (const event of announce) events.publish(event)
    const queued = input.deploy ? await deployments.queue(teamId, [id], { trigger: triggerOf(actor.via) }, actor) : []
    return {
      service: { uuid: id, name: input.name, project_uuid: projectId, current_version: 1 },
      template: { id: template.id, version: template.version },
      parameters,
      secrets: shownSecrets(secrets, revealSecrets),
      route: route.main,
      more_routes: route.more,
      deployment_uuid: queued[0]?.deployment_uuid ?? null,
    }
  }

  /** Converts a Coolify or Dokploy template and, unless only a preview is asked for, creates the service from it. */
  async function importTemplate(teamId: string, projectId: string, input: ImportInput, actor: Actor, reveal: boolean) {
    const imported = convertImport(input)
    const { errors, warnings } = checkTemplate(imported.manifest, imported.compose)
    const report = { ...imported.report, warnings }
    if (errors.length > 0)
      throw new UnprocessableError('invalid_template', `The converted template is not usable: ${errors[0]}`, {
        errors,
        report,
      })
    const template = { ...imported.manifest, compose: imported.compose }
    if (input.dryRun) {
      await findTeamProject(db, teamId, projectId)
      return { report, compose: template.compose, result: null }
    }
    const result = await deployTemplate(teamId, projectId, template, input, actor, reveal, false)
    return { report, compose: template.compose, result }
  }

  const logos = createLogoCache()

  return {
    list: catalog.list,
    get,
    /** The template's logo as Berth serves it (fetched once, a letter badge when it cannot be had). */
    logo: (id: string) => logos.logoOf(get(id)),
    deploy: (
      teamId: string,
      projectId: string,
      templateId: string,
      input: DeployTemplateInput,
      actor: Actor,
      reveal: boolean,
    ) => deployTemplate(teamId, projectId, get(templateId), input, actor, reveal, true),
    importTemplate,
    ...createTemplateUpgrades(deps, get),
  }
}

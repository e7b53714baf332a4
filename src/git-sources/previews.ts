import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { ParametersService } from '../compose/parameters.service.js'
import type { ComposeService } from '../compose/compose.service.js'
import type { SecretCipher } from '../crypto/cipher.js'
import type { DB } from '../db/schema.js'
import { nowIso } from '../db/time.js'
import type { QueuedDeployment } from '../deployments/deployments.service.js'
import type { EnvService } from '../env/env.service.js'
import { NotFoundError } from '../errors.js'
import type { DomainsService } from '../proxy/config/domains.service.js'
import type { RoutesService } from '../proxy/config/routes.service.js'
import type { ServicesService } from '../services/services.service.js'
import { withoutHostBindings } from './compose-image.js'
import {
  deletePreview,
  findPreview,
  findSource,
  insertPreview,
  insertSource,
  listPreviews,
  updatePreview,
  type GitPreviewRow,
  type GitSourceRow,
} from './git-sources.repo.js'
import { REPO_URL } from './git-sources.types.js'
import { newWebhookSecret, type PullRequestEvent } from './webhook-verify.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  cipher: SecretCipher
  services: Pick<ServicesService, 'create' | 'get' | 'remove'>
  compose: Pick<ComposeService, 'getCurrent'>
  env: Pick<EnvService, 'list' | 'put'>
  domains: Pick<DomainsService, 'create' | 'remove'>
  routes: Pick<RoutesService, 'create'>
  parameters: Pick<ParametersService, 'list'>
  queueBuild(teamId: string, source: GitSourceRow, commit: string | undefined, actor: Actor): Promise<QueuedDeployment>
}

export type WebhookOutcome = { queued: boolean; deployment_uuid: string | null; message: string }

const ignored = (message: string): WebhookOutcome => ({ queued: false, deployment_uuid: null, message })

/** A preview's service name: the service's own, shortened to fit a DNS label with the suffix. */
function previewName(serviceName: string, number: number) {
  const suffix = `-pr-${number}`
  return `${serviceName.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`
}

/** The host a repository URL names (https://host/…, ssh://user@host/…, user@host:path). */
function hostOf(repoUrl: string): string {
  const scp = /^[^/@:]+@([^:/]+):/.exec(repoUrl)
  return scp ? scp[1]! : new URL(repoUrl).hostname
}

/**
 * Preview deployments: a pull/merge request into a Git service's branch, opened or given new
 * commits, is built and deployed as a service of its own in the same project (its own compose
 * project, the service's compose file without host ports, its parameters and variables), routed
 * on `pr-<n>.<preview_domain>`; closing the request deletes that service with its volumes and the
 * domain. A request from a fork is built from the fork's repository, and, unless the service
 * allows it (preview_fork_secrets), without the service's secret variables and build secrets: the
 * fork's code is anyone's. Each step goes through the capability that owns it (services, env,
 * proxy, deployments).
 */
export function createPreviews(deps: Deps) {
  const { db, audit, cipher, services } = deps

  async function receive(
    teamId: string,
    source: GitSourceRow,
    event: PullRequestEvent,
    actor: Actor,
  ): Promise<WebhookOutcome> {
    if (!source.preview_domain || !source.preview_port)
      return ignored(`Ignored: previews are off for service ${source.service_id}.`)
    if (event.base !== source.branch)
      return ignored(`Ignored: request #${event.number} goes into ${event.base}, not ${source.branch}.`)
    if (event.fork !== null && !REPO_URL.test(event.fork))
      return ignored(`Ignored: request #${event.number} comes from a fork without a clone URL Berth can fetch.`)
    if (event.action === 'close') {
      const preview = await findPreview(db, source.service_id, event.number)
      if (!preview) return ignored(`Ignored: request #${event.number} has no preview.`)
      await close(teamId, preview, actor)
      return ignored(`Preview of request #${event.number} removed with its volumes.`)
    }
    // A compose file decides how its containers run (host mounts, privileges), so a fork's one could
    // reach the host and every secret on it: it runs only where the service trusts forks with them.
    if (event.fork !== null && source.compose_path && source.preview_fork_secrets !== 1)
      return ignored(
        `Ignored: request #${event.number} comes from a fork, whose compose file would run with the host's privileges; previews of forks run compose files only with preview_fork_secrets on.`,
      )
    const preview = await open(teamId, source, event, actor)
    const previewSource = await findSource(db, preview.preview_service_id)
    if (!previewSource) throw new Error(`preview service ${preview.preview_service_id} lost its Git source`)
    const queued = await deps.queueBuild(teamId, previewSource, event.commit ?? undefined, actor)
    return { queued: true, deployment_uuid: queued.deployment_uuid, message: queued.message }
  }

  /** The preview of a request, made on its first event; later events move it to the new head. */
  async function open(teamId: string, source: GitSourceRow, event: PullRequestEvent, actor: Actor) {
    const existing = await findPreview(db, source.service_id, event.number)
    const now = nowIso()
    const preview: GitPreviewRow = existing
      ? { ...existing, branch: event.branch, head_commit: event.commit, updated_at: now }
      : await createPreviewService(teamId, source, event, actor)
    if (existing)
      await updatePreview(db, source.service_id, event.number, {
        branch: event.branch,
        head_commit: event.commit,
        updated_at: now,
      })
    // Made after the service (a route needs its compose file); an earlier failure is retried here.
    if (!preview.domain_id) preview.domain_id = await routePreview(teamId, source, preview, actor)
    return preview
  }

  async function createPreviewService(
    teamId: string,
    source: GitSourceRow,
    event: PullRequestEvent,
    actor: Actor,
  ): Promise<GitPreviewRow> {
    const parent = await services.get(teamId, source.service_id)
    const current = await deps.compose.getCurrent(teamId, source.service_id)
    const host = `pr-${event.number}.${source.preview_domain}`
    // A service made from a template renders its file with parameters: the preview gets them, and a
    // `domain` parameter (the address the application believes it has) names the preview's host.
    const parameters = (await deps.parameters.list(teamId, source.service_id)).parameters.map((p) =>
      p.name === 'domain' && p.type === 'string' ? { ...p, value: host } : p,
    )
    const created = await services.create(
      teamId,
      parent.project_id,
      {
        name: previewName(parent.name, event.number),
        compose: withoutHostBindings(current.yaml),
        parameters,
        description: `Preview of ${parent.name} for request #${event.number} (${event.branch}${event.fork ? `, from the fork ${event.fork}` : ''})`,
        versionDescription: `Preview of request #${event.number}`,
      },
      actor,
    )
    const withSecrets = event.fork === null || source.preview_fork_secrets === 1
    const variables = Object.entries(await deps.env.list(teamId, source.service_id, withSecrets)).filter(
      ([, v]) => withSecrets || !v.secret,
    )
    if (variables.length > 0)
      await deps.env.put(
        teamId,
        created.id,
        Object.fromEntries(variables.map(([k, v]) => [k, { value: v.value, secret: v.secret }])),
        actor,
      )
    const now = nowIso()
    const row: GitPreviewRow = {
      service_id: source.service_id,
      number: event.number,
      preview_service_id: created.id,
      domain_id: null,
      branch: event.branch,
      head_commit: event.commit,
      fork_repo_url: event.fork,
      created_at: now,
      updated_at: now,
    }
    await db.transaction().execute(async (trx) => {
      // The preview builds like the service (same repository, credentials and build settings) from
      // the request's branch; a fork's from the fork, with the HTTPS token only on the same host (a
      // deploy key opens one repository) and build secrets only when the service allows it.
      await insertSource(trx, {
        ...source,
        service_id: created.id,
        branch: event.branch,
        ...(event.fork === null
          ? {}
          : {
              repo_url: event.fork,
              ...(source.auth === 'token' && hostOf(event.fork) === hostOf(source.repo_url)
                ? {}
                : { auth: 'none' as const, https_token: null, deploy_key_public: null, deploy_key_private: null }),
              build_secrets: withSecrets ? source.build_secrets : null,
            }),
        webhook_secret: cipher.encrypt(newWebhookSecret()),
        deploy_token_hash: null,
        preview_domain: null,
        preview_port: null,
        preview_of: source.service_id,
        created_at: now,
        updated_at: now,
      })
      await insertPreview(trx, row)
      await audit.record(trx, actor, {
        action: 'git_source.preview_opened',
        resourceType: 'service',
        resourceId: source.service_id,
        details: {
          number: event.number,
          branch: event.branch,
          preview_service_id: created.id,
          ...(event.fork === null ? {} : { fork: event.fork, secrets: withSecrets }),
        },
      })
    })
    return row
  }

  async function routePreview(teamId: string, source: GitSourceRow, preview: GitPreviewRow, actor: Actor) {
    const parent = await services.get(teamId, source.service_id)
    const domain = await deps.domains.create(
      teamId,
      parent.project_id,
      { domain: source.preview_domain!, subdomain: `pr-${preview.number}`, active: true },
      actor,
    )
    await deps.routes.create(
      teamId,
      domain.id,
      {
        target: {
          service: preview.preview_service_id,
          compose_service: source.compose_service,
          port: source.preview_port!,
        },
        path: '/',
        path_match: 'prefix',
        priority: null,
        middlewares: [],
        health_check: null,
        active: true,
      },
      actor,
    )
    await updatePreview(db, preview.service_id, preview.number, { domain_id: domain.id })
    return domain.id
  }

  /** Deletes a preview's domain and service; the service's removal takes its containers, volumes and images. */
  async function close(teamId: string, preview: GitPreviewRow, actor: Actor) {
    await removeDomain(teamId, preview, actor)
    // The row goes first: the service's deletion event then finds no preview left to forget.
    await forgetPreview(preview, actor)
    await services
      .remove(teamId, preview.preview_service_id, actor, { deleteVolumes: true })
      .catch((error: unknown) => {
        // Deleted by hand already: nothing is left to take down.
        if (!(error instanceof NotFoundError)) throw error
      })
  }

  async function removeDomain(teamId: string, preview: GitPreviewRow, actor: Actor) {
    if (!preview.domain_id) return
    await deps.domains.remove(teamId, preview.domain_id, actor).catch((error: unknown) => {
      // A domain removed by hand is already what closing wants.
      if (!(error instanceof NotFoundError)) throw error
    })
  }

  async function forgetPreview(preview: GitPreviewRow, actor: Actor) {
    await db.transaction().execute(async (trx) => {
      await deletePreview(trx, preview.service_id, preview.number)
      await audit.record(trx, actor, {
        action: 'git_source.preview_closed',
        resourceType: 'service',
        resourceId: preview.service_id,
        details: { number: preview.number, preview_service_id: preview.preview_service_id },
      })
    })
  }

  /**
   * After a service is deleted: a service with previews takes them with it; a preview service
   * deleted by hand leaves no preview row or domain behind.
   */
  async function serviceDeleted(teamId: string, serviceId: string, actor: Actor) {
    for (const preview of await listPreviews(db, { serviceId })) await close(teamId, preview, actor)
    for (const preview of await listPreviews(db, { previewServiceId: serviceId })) {
      await removeDomain(teamId, preview, actor)
      await forgetPreview(preview, actor)
    }
  }

  return { receive, serviceDeleted, list: (serviceId: string) => listPreviews(db, { serviceId }) }
}

import type { Kysely, Selectable } from 'kysely'
import type { Actor, AuditService } from '../../audit/audit.service.js'
import type { DB, ProxyDomainTable, TlsMode } from '../../db/schema.js'
import { newId, nowIso } from '../../db/time.js'
import { BadRequestError, ConflictError, UnprocessableError } from '../../errors.js'
import { findTeamProject } from '../../projects/projects.repo.js'
import { readSettings } from '../../settings/settings.service.js'
import { declaredCertResolvers, type Settings } from '../../settings/settings.types.js'
import { fullDomainOf, normalizeHost } from './hostnames.js'
import { commitRoutingChange, type RoutingChange, type RoutingDeps } from './proxy.mutate.js'
import { findTeamDomain } from '../proxy.repo.js'
import type { DomainInput, DomainPatch } from '../proxy.schemas.js'

export type DomainRow = Selectable<ProxyDomainTable>

function normalized(
  domain: string,
  subdomain: string | null | undefined,
): { domain: string; subdomain: string | null; full: string } {
  const d = normalizeHost(domain)
  if (!d.ok) throw new BadRequestError('invalid_domain', `"${domain}" ${d.reason}.`, { field: 'domain' })
  const full = normalizeHost(fullDomainOf(domain, subdomain))
  if (!full.ok)
    throw new BadRequestError('invalid_domain', `"${fullDomainOf(domain, subdomain)}" ${full.reason}.`, {
      field: 'subdomain',
    })
  const sub = subdomain ? full.host.slice(0, full.host.length - d.host.length - 1) : null
  if (subdomain && !full.host.endsWith(`.${d.host}`))
    throw new BadRequestError('invalid_domain', `"${subdomain}" cannot be a subdomain of "${domain}".`, {
      field: 'subdomain',
    })
  return { domain: d.host, subdomain: sub, full: full.host }
}

async function assertDomainFree(db: Kysely<DB>, full: string, exceptId?: string) {
  let q = db.selectFrom('proxy_domains').select('id').where('full_domain', '=', full)
  if (exceptId) q = q.where('id', '!=', exceptId)
  // Instance-wide: a host can route to one place only, whichever team asks.
  if (await q.executeTakeFirst())
    throw new ConflictError('domain_taken', `The domain "${full}" is already in use.`, { full_domain: full })
}

/**
 * The TLS mode a request asks for, or undefined when it names none. `tls` is the older form of
 * `tls_mode`: true keeps an `internal` domain internal and otherwise means `acme`.
 */
function requestedTlsMode(input: { tls?: boolean; tls_mode?: TlsMode }, current: TlsMode | null): TlsMode | undefined {
  const { tls, tls_mode: mode } = input
  if (mode !== undefined && tls !== undefined && (mode !== 'none') !== tls)
    throw new BadRequestError('tls_conflict', `tls ${tls} and tls_mode "${mode}" disagree; send tls_mode alone.`, {
      field: 'tls_mode',
    })
  if (mode !== undefined || tls === undefined) return mode
  if (!tls) return 'none'
  return current === 'internal' ? 'internal' : 'acme'
}

/**
 * Refuses ACME TLS that the proxy could not get a certificate for, saying what to set, before
 * anything is stored: without it the domain saved fine and its first route was refused instead.
 */
function assertAcmeWorks(settings: Settings, certResolver: string | null): void {
  const declared = declaredCertResolvers(settings)
  if (declared.length === 0)
    throw new UnprocessableError(
      'acme_email_required',
      'TLS with a Let\'s Encrypt certificate needs the instance\'s ACME e-mail, and none is set: an instance administrator sets it in Settings (letsencrypt_email in PUT /api/v1/settings). Until then, use tls_mode "internal" (the proxy\'s own certificate) or "none".',
      { field: 'tls_mode', setting: 'letsencrypt_email' },
    )
  const resolver = certResolver ?? settings.default_cert_resolver
  if (!declared.includes(resolver))
    throw new UnprocessableError(
      'cert_resolver_unknown',
      `The certificate resolver "${resolver}" is not declared; the proxy has only "${declared.join('", "')}" (default_cert_resolver in the instance settings). Leave cert_resolver empty to use it.`,
      { field: 'cert_resolver', declared },
    )
}

export function domainView(d: DomainRow) {
  return {
    id: d.id,
    project_uuid: d.project_id,
    domain: d.domain,
    subdomain: d.subdomain,
    full_domain: d.full_domain,
    tls_mode: d.tls_mode,
    tls: d.tls_mode !== 'none',
    cert_resolver: d.cert_resolver,
    active: d.active === 1,
    created_at: d.created_at,
    updated_at: d.updated_at,
  }
}

/** The domain changes as transaction steps (audit row included), shared by the service and the preview. */
export function domainOps(audit: Pick<AuditService, 'record'>) {
  const record = (trx: Kysely<DB>, actor: Actor, action: string, id: string, details: Record<string, unknown>) =>
    audit.record(trx, actor, { action, resourceType: 'domain', resourceId: id, details })
  return {
    async create(
      trx: Kysely<DB>,
      teamId: string,
      projectId: string,
      input: DomainInput,
      actor: Actor,
    ): Promise<RoutingChange<DomainRow>> {
      await findTeamProject(trx, teamId, projectId)
      const n = normalized(input.domain, input.subdomain)
      await assertDomainFree(trx, n.full)
      const settings = await readSettings(trx)
      // Omitted: TLS when a certificate can be had, so a first route is never refused for it.
      const tlsMode = requestedTlsMode(input, null) ?? (declaredCertResolvers(settings).length > 0 ? 'acme' : 'none')
      if (tlsMode === 'acme') assertAcmeWorks(settings, input.cert_resolver ?? null)
      const now = nowIso()
      const row: DomainRow = {
        id: newId(),
        project_id: projectId,
        domain: n.domain,
        subdomain: n.subdomain,
        full_domain: n.full,
        tls_mode: tlsMode,
        cert_resolver: input.cert_resolver ?? null,
        active: input.active ? 1 : 0,
        created_at: now,
        updated_at: now,
      }
      await trx.insertInto('proxy_domains').values(row).execute()
      await record(trx, actor, 'domain.created', row.id, {
        full_domain: row.full_domain,
        project_id: projectId,
        tls_mode: tlsMode,
      })
      return { projectId, value: row, event: { type: 'domain.changed', teamId, projectId, domainId: row.id } }
    },

    async update(
      trx: Kysely<DB>,
      teamId: string,
      domainId: string,
      patch: DomainPatch,
      actor: Actor,
    ): Promise<RoutingChange<DomainRow>> {
      const before = await findTeamDomain(trx, teamId, domainId)
      const n = normalized(
        patch.domain ?? before.domain,
        patch.subdomain === undefined ? before.subdomain : patch.subdomain,
      )
      if (n.full !== before.full_domain) await assertDomainFree(trx, n.full, domainId)
      const requested = requestedTlsMode(patch, before.tls_mode)
      const tlsMode = requested ?? before.tls_mode
      const certResolver = patch.cert_resolver === undefined ? before.cert_resolver : patch.cert_resolver
      if (tlsMode === 'acme' && (requested !== undefined || patch.cert_resolver !== undefined))
        assertAcmeWorks(await readSettings(trx), certResolver)
      const after: DomainRow = {
        ...before,
        domain: n.domain,
        subdomain: n.subdomain,
        full_domain: n.full,
        tls_mode: tlsMode,
        cert_resolver: certResolver,
        ...(patch.active !== undefined && { active: patch.active ? 1 : 0 }),
        updated_at: nowIso(),
      }
      const { id: _id, project_id: _p, created_at: _c, ...changes } = after
      await trx.updateTable('proxy_domains').set(changes).where('id', '=', domainId).execute()
      await record(trx, actor, 'domain.updated', domainId, {
        full_domain: after.full_domain,
        changed: Object.keys(patch),
      })
      return {
        projectId: before.project_id,
        value: after,
        event: { type: 'domain.changed', teamId, projectId: before.project_id, domainId },
      }
    },

    async remove(trx: Kysely<DB>, teamId: string, domainId: string, actor: Actor): Promise<RoutingChange<null>> {
      const before = await findTeamDomain(trx, teamId, domainId)
      await trx.deleteFrom('proxy_domains').where('id', '=', domainId).execute()
      await record(trx, actor, 'domain.deleted', domainId, {
        full_domain: before.full_domain,
        project_id: before.project_id,
      })
      return {
        projectId: before.project_id,
        value: null,
        event: { type: 'domain.changed', teamId, projectId: before.project_id, domainId },
      }
    },
  }
}

export type DomainsService = ReturnType<typeof createDomainsService>

export function createDomainsService(deps: RoutingDeps) {
  const { db } = deps
  const ops = domainOps(deps.audit)

  async function list(teamId: string, projectId: string) {
    await findTeamProject(db, teamId, projectId)
    return db
      .selectFrom('proxy_domains')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('full_domain')
      .execute()
  }

  return {
    list,
    get: (teamId: string, domainId: string) => findTeamDomain(db, teamId, domainId),
    create: (teamId: string, projectId: string, input: DomainInput, actor: Actor) =>
      commitRoutingChange(deps, (trx) => ops.create(trx, teamId, projectId, input, actor)),
    update: (teamId: string, domainId: string, patch: DomainPatch, actor: Actor) =>
      commitRoutingChange(deps, (trx) => ops.update(trx, teamId, domainId, patch, actor)),
    remove: (teamId: string, domainId: string, actor: Actor) =>
      commitRoutingChange(deps, (trx) => ops.remove(trx, teamId, domainId, actor)),
  }
}

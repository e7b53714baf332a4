import type { Kysely, Selectable } from 'kysely'
import type { Actor, AuditService } from '../../audit/audit.service.js'
import type { DB, ProxyDomainTable } from '../../db/schema.js'
import { newId, nowIso } from '../../db/time.js'
import { BadRequestError, ConflictError } from '../../errors.js'
import { findTeamProject } from '../../projects/projects.repo.js'
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

export function domainView(d: DomainRow) {
  return {
    id: d.id,
    project_uuid: d.project_id,
    domain: d.domain,
    subdomain: d.subdomain,
    full_domain: d.full_domain,
    tls: d.tls === 1,
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
      const now = nowIso()
      const row: DomainRow = {
        id: newId(),
        project_id: projectId,
        domain: n.domain,
        subdomain: n.subdomain,
        full_domain: n.full,
        tls: input.tls ? 1 : 0,
        cert_resolver: input.cert_resolver ?? null,
        active: input.active ? 1 : 0,
        created_at: now,
        updated_at: now,
      }
      await trx.insertInto('proxy_domains').values(row).execute()
      await record(trx, actor, 'domain.created', row.id, {
        full_domain: row.full_domain,
        project_id: projectId,
        tls: input.tls,
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
      const after: DomainRow = {
        ...before,
        domain: n.domain,
        subdomain: n.subdomain,
        full_domain: n.full,
        ...(patch.tls !== undefined && { tls: patch.tls ? 1 : 0 }),
        ...(patch.cert_resolver !== undefined && { cert_resolver: patch.cert_resolver }),
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

import { createTwoFilesPatch } from 'diff'
import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { Actor, AuditService } from '../../audit/audit.service.js'
import type { DB } from '../../db/schema.js'
import { readSettings } from '../../settings/settings.service.js'
import { domainOps } from './domains.service.js'
import { middlewareOps } from './middlewares.service.js'
import { proxyPaths } from '../proxy.model.js'
import { inRolledBackTransaction } from './proxy.mutate.js'
import { readIfExists } from '../sync/file-writer.js'
import { planCaddy, planProject } from '../sync/proxy.plan.js'
import { loadAllRouting, loadProjectRouting } from '../proxy.repo.js'
import { domainInput, domainPatch, middlewareInput, middlewarePatch, routeInput, routePatch } from '../proxy.schemas.js'
import { routeOps } from './routes.service.js'

const id = z.string().uuid()
export const previewChange = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create_domain'), project: id, data: domainInput }).strict(),
  z.object({ op: z.literal('update_domain'), id, data: domainPatch }).strict(),
  z.object({ op: z.literal('delete_domain'), id }).strict(),
  z.object({ op: z.literal('create_route'), domain: id, data: routeInput }).strict(),
  z.object({ op: z.literal('update_route'), id, data: routePatch }).strict(),
  z.object({ op: z.literal('delete_route'), id }).strict(),
  z.object({ op: z.literal('create_middleware'), project: id, data: middlewareInput }).strict(),
  z.object({ op: z.literal('update_middleware'), id, data: middlewarePatch }).strict(),
  z.object({ op: z.literal('delete_middleware'), id }).strict(),
])
export type PreviewChange = z.infer<typeof previewChange>

export type PreviewFile = {
  path: string
  action: 'create' | 'update' | 'delete' | 'unchanged'
  content: string | null
  diff: string
}

export function createProxyPreview({
  db,
  audit,
  proxyDir,
}: {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  proxyDir: string
}) {
  const domains = domainOps(audit)
  const routes = routeOps(audit)
  const middlewares = middlewareOps(audit)

  function apply(trx: Kysely<DB>, teamId: string, c: PreviewChange, actor: Actor) {
    switch (c.op) {
      case 'create_domain':
        return domains.create(trx, teamId, c.project, c.data, actor)
      case 'update_domain':
        return domains.update(trx, teamId, c.id, c.data, actor)
      case 'delete_domain':
        return domains.remove(trx, teamId, c.id, actor)
      case 'create_route':
        return routes.create(trx, teamId, c.domain, c.data, actor)
      case 'update_route':
        return routes.update(trx, teamId, c.id, c.data, actor)
      case 'delete_route':
        return routes.remove(trx, teamId, c.id, actor)
      case 'create_middleware':
        return middlewares.create(trx, teamId, c.project, c.data, actor)
      case 'update_middleware':
        return middlewares.update(trx, teamId, c.id, c.data, actor)
      case 'delete_middleware':
        return middlewares.remove(trx, teamId, c.id, actor)
    }
  }

  /**
   * The files a change would produce and their diff against what is on disk, computed by applying
   * the change in a transaction that is always rolled back: the same checks as the real change
   * (400/404/409/422 alike), nothing saved, nothing written.
   */
  async function preview(teamId: string, change: PreviewChange, actor: Actor) {
    const rendered = await inRolledBackTransaction(db, async (trx) => {
      const { projectId } = await apply(trx, teamId, change, actor)
      const settings = await readSettings(trx)
      if (settings.proxy === 'caddy') {
        const plan = planCaddy(await loadAllRouting(trx), settings)
        return { files: [...plan.files.entries()], issues: plan.issues }
      }
      const project = await loadProjectRouting(trx, projectId)
      const planned = project ? planProject(project, settings) : { file: null, issues: [] }
      return { files: [[proxyPaths.project(projectId), planned.file]] as const, issues: planned.issues }
    })
    const files: PreviewFile[] = rendered.files.map(([path, file]) => {
      const onDisk = readIfExists(`${proxyDir}/${path}`)
      const next = file?.content ?? null
      const action = onDisk === next ? 'unchanged' : next === null ? 'delete' : onDisk === null ? 'create' : 'update'
      return {
        path,
        action,
        content: next,
        diff: action === 'unchanged' ? '' : createTwoFilesPatch(`a/${path}`, `b/${path}`, onDisk ?? '', next ?? ''),
      }
    })
    return { valid: rendered.issues.length === 0, issues: rendered.issues, files }
  }

  return { preview }
}

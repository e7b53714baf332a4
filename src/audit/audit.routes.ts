import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { withResourceNames } from './resource-names.js'
import { hasAbility } from '../auth/principal.js'
import { principalOf } from '../http/auth-hook.js'
import { json, timestamp } from '../http/responses.js'
import { queryAuditLog } from './audit.query.js'

const isoTime = z
  .string()
  .datetime({ offset: true })
  .transform((t) => new Date(t).toISOString())

const query = z.object({
  actor: z.string().optional().describe('actor id (user or token)'),
  action: z.string().optional().describe('exact action, or a prefix ending in * (e.g. compose.*)'),
  resource_type: z.string().optional(),
  resource_id: z.string().optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
  cursor: z.coerce.number().int().min(1).optional().describe('next_cursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
})

const auditItem = z
  .object({
    id: z.number().int(),
    action: z.string(),
    actor: z.object({
      type: z.enum(['user', 'token', 'system', 'anonymous']),
      id: z.string().nullable(),
      name: z.string(),
      via: z.string(),
    }),
    resource_type: z.string().nullable(),
    resource_id: z.string().nullable(),
    resource_name: z.string().nullable().describe("The resource's current name, else the one the entry recorded"),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    created_at: timestamp,
  })
  .meta({ id: 'AuditItem' })
const auditPage = z
  .object({
    items: z.array(auditItem),
    next_cursor: z.number().int().nullable().describe('The cursor of the next (older) page; null on the last'),
  })
  .meta({ id: 'AuditPage' })

export function auditRoutes(app: Pick<App, 'db' | 'projects'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/audit',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['audit'],
          operationId: 'listAudit',
          summary: "The team's audit log, newest first (with root, also the instance-wide entries)",
          querystring: query,
          response: { 200: json(auditPage, 'One page of entries') },
        },
      },
      async (request) => {
        const q = request.query
        const principal = principalOf(request)
        const page = await queryAuditLog(app.db, {
          teamId: principal.teamId,
          withInstance: hasAbility(principal, 'instance'),
          actorId: q.actor,
          action: q.action,
          resourceType: q.resource_type,
          resourceId: q.resource_id,
          since: q.since,
          until: q.until,
          before: q.cursor,
          limit: q.limit,
        })
        return { items: await withResourceNames(app, principal.teamId, page.items), next_cursor: page.nextCursor }
      },
    )
  }
}

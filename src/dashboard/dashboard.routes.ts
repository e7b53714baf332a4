import { engineDisk, engineLoad } from '../servers/servers.routes.js'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { hasAbility } from '../auth/principal.js'
import { principalOf } from '../http/auth-hook.js'
import { json, timestamp } from '../http/responses.js'
import { HEALTH } from './health.js'

const deploymentStatus = z.enum(['queued', 'in_progress', 'finished', 'failed', 'cancelled-by-user'])
const resourceHealth = z
  .object({
    uuid: z.string(),
    name: z.string(),
    type: z.enum(['service', 'database']),
    database_type: z.string().nullable(),
    health: z.enum(HEALTH).describe('"unknown" when its server\'s engine did not answer'),
    containers: z.object({ running: z.number().int().nullable(), total: z.number().int().nullable() }),
    last_deployment: z
      .object({
        uuid: z.string(),
        action: z.enum(['deploy', 'stop', 'restart', 'remove', 'attach']),
        status: deploymentStatus,
        created_at: timestamp,
      })
      .nullable(),
  })
  .meta({ id: 'ResourceHealth' })
const lastBackup = z.object({
  status: z.enum(['succeeded', 'failed']),
  at: timestamp.describe('When it ended'),
  message: z.string().nullable().describe('Why it failed'),
})

const attention = z
  .object({
    severity: z.enum(['critical', 'warning']),
    message: z.string(),
    target: z.object({
      type: z.enum(['service', 'database', 'deployment', 'server', 'proxy', 'backup']),
      uuid: z.string().nullable(),
    }),
  })
  .meta({ id: 'Attention' })
const dashboard = z
  .object({
    generated_at: timestamp,
    attention: z.array(attention).describe('What needs looking at, most severe first'),
    projects: z.array(z.object({ uuid: z.string(), name: z.string(), resources: z.array(resourceHealth) })),
    deployments: z.object({
      running: z.number().int(),
      queued: z.number().int(),
      finished_24h: z.number().int(),
      failed_24h: z.number().int(),
      recent_failures: z.array(
        z.object({
          deployment_uuid: z.string(),
          resource_uuid: z.string(),
          resource_type: z.enum(['service', 'database', 'proxy']),
          resource_name: z.string(),
          message: z.string().nullable(),
          created_at: timestamp,
        }),
      ),
    }),
    servers: z.array(
      z.object({
        uuid: z.string(),
        name: z.string(),
        default: z.boolean(),
        reachable: z.boolean().nullable().describe('null before the first check'),
        containers_running: z.number().int().nullable(),
        containers_stopped: z.number().int().nullable(),
        disk: engineDisk,
        load: engineLoad,
        checked_at: timestamp.nullable(),
        proxy: z.object({
          state: z.enum(['not_configured', 'unreachable', 'down', 'stale', 'running']),
          message: z.string(),
          reading_berth_config: z.boolean().nullable(),
        }),
      }),
    ),
    backups: z.object({
      berth: lastBackup
        .nullable()
        .optional()
        .describe("Berth's own last backup (null: none yet); only for instance administrators"),
      databases: z
        .array(lastBackup.extend({ database_uuid: z.string(), database_name: z.string() }))
        .describe("Each of the team's databases' last backup, newest first"),
    }),
    proxy_sync: z
      .object({ last_run_at: timestamp, ok: z.boolean(), files_written: z.number().int() })
      .nullable()
      .describe('The last configuration sync (null before the first)'),
  })
  .meta({ id: 'Dashboard' })

export function dashboardRoutes(app: Pick<App, 'dashboard'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/dashboard',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['dashboard'],
          operationId: 'getDashboard',
          summary:
            "The team's overview: every project's services and databases with their health, deployments of the last 24 h, servers, the proxy, and what needs attention first",
          response: { 200: json(dashboard, 'The overview') },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.dashboard.overview(p.teamId, { instanceAdmin: hasAbility(p, 'instance') })
      },
    )
  }
}

import { z } from 'zod'
import { timestamp } from '../http/responses.js'
import { MIDDLEWARE_TYPES } from './middleware-config.js'
import { TLS_MODES } from './proxy.model.js'

/** A middleware's type: one named schema, whose values the UI's type list comes from. */
const middlewareType = z.enum(MIDDLEWARE_TYPES).meta({ id: 'MiddlewareType' })
const duration = z.string().regex(/^\d+(?:ms|s|m|h)$/, 'must be a duration like "10s" or "500ms"')
/** URL path characters only: no backticks or quotes can reach a Traefik rule. */
export const routePath = z
  .string()
  .max(1024)
  .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, 'must start with "/" and use URL path characters only')

const tlsMode = z
  .enum(TLS_MODES)
  .describe(
    "none: HTTP only; acme: a certificate from the ACME resolver (needs the instance's Let's Encrypt e-mail); internal: the proxy's own certificate (Caddy's local CA, Traefik's default certificate), for hosts that are not public",
  )
const tlsFlag = z.boolean().describe('Older form of tls_mode: true is "acme" (or keeps "internal"), false is "none"')

export const domainInput = z
  .object({
    domain: z.string().min(1).max(253),
    subdomain: z.string().min(1).max(253).nullable().optional(),
    tls_mode: tlsMode
      .optional()
      .describe('Omitted (with tls): "acme" when the instance has an ACME e-mail, "none" otherwise'),
    tls: tlsFlag.optional(),
    cert_resolver: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/)
      .nullable()
      .optional(),
    active: z.boolean().default(true),
  })
  .strict()
export const domainPatch = z
  .object({
    domain: z.string().min(1).max(253),
    subdomain: z.string().min(1).max(253).nullable(),
    tls_mode: tlsMode,
    tls: tlsFlag,
    cert_resolver: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/)
      .nullable(),
    active: z.boolean(),
  })
  .partial()
  .strict()
export type DomainInput = z.infer<typeof domainInput>
export type DomainPatch = z.infer<typeof domainPatch>

export const routeTarget = z.union([
  z
    .object({
      service: z.string().uuid(),
      compose_service: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/),
      port: z.number().int().min(1).max(65535),
    })
    .strict(),
  z
    .object({
      url: z
        .string()
        .max(2048)
        .regex(
          /^https?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::\d{1,5})?\/?$/,
          'must be http(s)://host[:port] without a path, query or credentials',
        ),
    })
    .strict(),
])

export const healthCheckInput = z
  .object({
    path: routePath,
    interval: duration.optional(),
    timeout: duration.optional(),
    scheme: z.enum(['http', 'https']).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    hostname: z
      .string()
      .regex(/^[A-Za-z0-9.-]{1,253}$/)
      .optional(),
  })
  .strict()

const routeFields = {
  target: routeTarget,
  path: routePath,
  path_match: z.enum(['prefix', 'exact']),
  priority: z.number().int().min(1).max(1_000_000).nullable(),
  /** Middleware names (or ids) of the same project, applied in this order. */
  middlewares: z.array(z.string().min(1).max(63)).max(20),
  health_check: healthCheckInput.nullable(),
  active: z.boolean(),
}
export const routeInput = z
  .object({
    ...routeFields,
    path: routeFields.path.default('/'),
    path_match: routeFields.path_match.default('prefix'),
    priority: routeFields.priority.default(null),
    middlewares: routeFields.middlewares.default([]),
    health_check: routeFields.health_check.default(null),
    active: routeFields.active.default(true),
  })
  .strict()
export const routePatch = z.object(routeFields).partial().strict()
export type HealthCheck = z.infer<typeof healthCheckInput>
export type RouteInput = z.infer<typeof routeInput>
export type RoutePatch = z.infer<typeof routePatch>

export const middlewareName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1 to 63 lowercase letters, digits and inner hyphens')
export const middlewareInput = z.object({ name: middlewareName, type: middlewareType, config: z.unknown() }).strict()
export const middlewarePatch = z.object({ name: middlewareName, config: z.unknown() }).partial().strict()
export type MiddlewareInput = z.infer<typeof middlewareInput>
export type MiddlewarePatch = z.infer<typeof middlewarePatch>

// Response shapes.

export const domainSchema = z
  .object({
    id: z.string(),
    project_uuid: z.string(),
    domain: z.string().describe('Punycode'),
    subdomain: z.string().nullable(),
    full_domain: z.string(),
    tls_mode: tlsMode,
    tls: z.boolean().describe('Served over HTTPS (tls_mode is not "none")'),
    cert_resolver: z.string().nullable(),
    active: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Domain' })

export const proxyRouteSchema = z
  .object({
    id: z.string(),
    domain_id: z.string(),
    target: z
      .union([
        z.object({ service: z.string(), compose_service: z.string(), port: z.number().int() }),
        z.object({ url: z.string() }),
      ])
      .meta({ id: 'RouteTarget', description: 'A compose service of a Berth service, or a URL' }),
    path: z.string(),
    path_match: z.enum(['prefix', 'exact']),
    priority: z.number().int().nullable(),
    middlewares: z.array(z.string()).describe('Middleware ids, in the order they apply'),
    health_check: z
      .object({
        path: z.string(),
        interval: z.string().optional(),
        timeout: z.string().optional(),
        scheme: z.enum(['http', 'https']).optional(),
        port: z.number().int().optional(),
        hostname: z.string().optional(),
      })
      .nullable(),
    active: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'ProxyRoute' })

export const middlewareSchema = z
  .object({
    id: z.string(),
    project_uuid: z.string(),
    name: z.string(),
    type: middlewareType,
    config: z.record(z.string(), z.unknown()).describe('Per type; basic-auth users carry no password'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Middleware' })

export const renderIssueSchema = z
  .object({ file: z.string(), path: z.string(), message: z.string() })
  .meta({ id: 'RenderIssue', description: 'Why a generated file did not validate' })

export const syncRunSchema = z
  .object({
    started_at: timestamp,
    duration_ms: z.number(),
    scope: z.enum(['full', 'projects']),
    files_written: z.array(z.string()),
    files_removed: z.array(z.string()),
    drift_repaired: z.array(z.string()),
    render_issues: z.array(renderIssueSchema).describe('Files left as they were because they did not validate'),
    error: z.string().nullable(),
  })
  .meta({ id: 'SyncRun' })

export const proxyStatusSchema = z
  .object({
    running: z.boolean(),
    proxy_dir: z
      .string()
      .nullable()
      .describe('Where the files are on the host; null for a team without the instance ability'),
    reconcile_interval_ms: z.number(),
    last_run: syncRunSchema.nullable(),
    totals: z.object({
      runs: z.number().int(),
      files_written: z.number().int(),
      files_removed: z.number().int(),
      drift_repaired: z.number().int(),
      failed_runs: z.number().int(),
    }),
  })
  .meta({ id: 'ProxyStatus' })

export const previewSchema = z
  .object({
    valid: z.boolean(),
    issues: z.array(renderIssueSchema),
    files: z.array(
      z
        .object({
          path: z.string(),
          action: z.enum(['create', 'update', 'delete', 'unchanged']),
          content: z.string().nullable(),
          diff: z.string(),
        })
        .meta({ id: 'PreviewFile' }),
    ),
  })
  .meta({ id: 'Preview' })

export const proxyFileSchema = z
  .object({
    path: z.string(),
    size: z.number().int(),
    sha256: z.string().describe('Empty for a symlink'),
    synced_at: timestamp.nullable(),
    drift: z.boolean().describe('The file differs from what Berth last wrote'),
    tracked: z.boolean().describe('Berth wrote it (untracked files are shown to root only)'),
    symlink: z.boolean(),
    project_name: z.string().nullable().describe('The project a generated file is for (null for shared files)'),
  })
  .meta({ id: 'ProxyFile' })

export const proxyFileContentSchema = z
  .object({ path: z.string(), content: z.string(), sha256: z.string() })
  .meta({ id: 'ProxyFileContent' })

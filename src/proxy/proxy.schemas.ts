import { z } from 'zod'
import { MIDDLEWARE_TYPES } from './middleware-config.js'

const duration = z.string().regex(/^\d+(?:ms|s|m|h)$/, 'must be a duration like "10s" or "500ms"')
/** URL path characters only: no backticks or quotes can reach a Traefik rule. */
export const routePath = z
  .string()
  .max(1024)
  .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, 'must start with "/" and use URL path characters only')

export const domainInput = z
  .object({
    domain: z.string().min(1).max(253),
    subdomain: z.string().min(1).max(253).nullable().optional(),
    tls: z.boolean().default(true),
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
    tls: z.boolean(),
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
export type RouteInput = z.infer<typeof routeInput>
export type RoutePatch = z.infer<typeof routePatch>

export const middlewareName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1 to 63 lowercase letters, digits and inner hyphens')
export const middlewareInput = z
  .object({ name: middlewareName, type: z.enum(MIDDLEWARE_TYPES), config: z.unknown() })
  .strict()
export const middlewarePatch = z.object({ name: middlewareName, config: z.unknown() }).partial().strict()
export type MiddlewareInput = z.infer<typeof middlewareInput>
export type MiddlewarePatch = z.infer<typeof middlewarePatch>

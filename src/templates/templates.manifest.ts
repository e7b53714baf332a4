import { z } from 'zod'
import { PARAMETER_NAME_PATTERN } from '../compose/compose.params.js'

/** Secret env names: upper case, so they read as variables in the compose file (`${DB_PASSWORD}`). */
const SECRET_ENV_PATTERN = /^[A-Z][A-Z0-9_]{0,62}$/
const ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const VERSION_PATTERN = /^\d+\.\d+\.\d+$/

const secretGenerator = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('password'), length: z.number().int().min(16).max(128) }).strict(),
  z.object({ kind: z.literal('hex'), bytes: z.number().int().min(16).max(128) }).strict(),
  z.object({ kind: z.literal('base64'), bytes: z.number().int().min(16).max(128) }).strict(),
  z.object({ kind: z.literal('uuid') }).strict(),
])
export type SecretGenerator = z.infer<typeof secretGenerator>

const scalar = z.union([z.string(), z.number().int(), z.boolean()])

const templateParameter = z
  .object({
    name: z.string().regex(PARAMETER_NAME_PATTERN, 'lowercase letters, digits and "_", starting with a letter'),
    type: z.enum(['string', 'integer', 'boolean']),
    default: scalar,
    description: z.string().min(1).max(500),
  })
  .strict()
  .refine((p) => typeof p.default === (p.type === 'integer' ? 'number' : p.type), {
    message: 'the default does not have the parameter type',
  })

export const templateManifest = z
  .object({
    id: z.string().regex(ID_PATTERN, 'lowercase letters, digits and inner hyphens'),
    name: z.string().min(1).max(80),
    description: z.string().min(1).max(500),
    category: z.enum([
      'cms',
      'web',
      'analytics',
      'monitoring',
      'automation',
      'development',
      'storage',
      'communication',
      'productivity',
      'media',
      'security',
      'network',
      'database',
      'business',
    ]),
    tags: z.array(z.string().regex(/^[a-z0-9-]{1,32}$/)).max(12),
    logo: z.string().url(),
    docs: z.string().url(),
    version: z.string().regex(VERSION_PATTERN, 'a version like 1.2.0'),
    parameters: z.array(templateParameter).default([]),
    secrets: z
      .array(
        z
          .object({
            env: z.string().regex(SECRET_ENV_PATTERN, 'upper-case letters, digits and "_"'),
            description: z.string().min(1).max(500),
            generate: secretGenerator,
          })
          .strict(),
      )
      .default([]),
    /** The compose service and port a domain routes to; null for services without a web interface. */
    route: z
      .object({ service: z.string().min(1), port: z.number().int().min(1).max(65535) })
      .strict()
      .nullable(),
    /**
     * Further web interfaces, each on a sub-domain of the domain given (an admin page on
     * `admin.<domain>`): created with the main route, only when a domain is given.
     */
    more_routes: z
      .array(
        z
          .object({
            subdomain: z
              .string()
              .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'a DNS label: lower-case letters, digits and "-"'),
            service: z.string().min(1),
            port: z.number().int().min(1).max(65535),
          })
          .strict(),
      )
      .max(10)
      .default([]),
    /** Compose services that must report healthy (they declare a healthcheck) and how long a first start may take. */
    health: z
      .object({ services: z.array(z.string().min(1)), timeout_seconds: z.number().int().min(10).max(3600) })
      .strict(),
  })
  .strict()

export type TemplateManifest = z.infer<typeof templateManifest>
export type Template = TemplateManifest & { compose: string }

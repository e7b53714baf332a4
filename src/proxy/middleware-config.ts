import { isIP } from 'node:net'
import bcrypt from 'bcryptjs'
import { z } from 'zod'

// Config keys follow Traefik's own names (camelCase), so users who know Traefik read them as-is.

export const MIDDLEWARE_TYPES = [
  'redirect-scheme',
  'redirect-regex',
  'basic-auth',
  'headers',
  'strip-prefix',
  'add-prefix',
  'rate-limit',
  'ip-allow-list',
  'compress',
] as const
export type MiddlewareType = (typeof MIDDLEWARE_TYPES)[number]

const pathPrefix = z
  .string()
  .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, 'must start with "/" and use URL path characters only')
  .max(1024)
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$/, 'must be an HTTP header name')
const headerValue = z
  .string()
  .max(8192)
  .regex(/^[^\r\n\0]*$/, 'must not contain line breaks or NUL')
const duration = z.string().regex(/^\d+(?:ms|s|m|h)$/, 'must be a duration like "1s", "500ms" or "1m"')

function compilesAsRegex(value: string): boolean {
  try {
    new RegExp(value)
    return true
  } catch {
    // A pattern JavaScript cannot compile is reported to the caller as invalid: that is the handling.
    return false
  }
}

const basicAuthUser = z
  .object({
    username: z.string().regex(/^[^:\s]{1,128}$/, 'must be 1 to 128 characters without ":" or spaces'),
    /** Plain text on the way in only; it is hashed (bcrypt) before anything is stored. Omit it to keep the current one. */
    password: z.string().min(8).max(72).optional(),
  })
  .strict()

/** What callers send, per type. */
export const middlewareConfigInput = {
  'redirect-scheme': z
    .object({
      scheme: z.enum(['https', 'http']),
      permanent: z.boolean().optional(),
      port: z
        .string()
        .regex(/^\d{1,5}$/)
        .optional(),
    })
    .strict(),
  'redirect-regex': z
    .object({
      regex: z.string().min(1).max(1024).refine(compilesAsRegex, 'must be a valid regular expression'),
      replacement: z.string().min(1).max(2048),
      permanent: z.boolean().optional(),
    })
    .strict(),
  'basic-auth': z
    .object({
      users: z.array(basicAuthUser).min(1).max(100),
      realm: z
        .string()
        .regex(/^[^"\r\n]{1,100}$/)
        .optional(),
      removeHeader: z.boolean().optional(),
    })
    .strict(),
  headers: z
    .object({
      customRequestHeaders: z.record(headerName, headerValue).optional(),
      customResponseHeaders: z.record(headerName, headerValue).optional(),
      stsSeconds: z.number().int().min(0).optional(),
      stsIncludeSubdomains: z.boolean().optional(),
      stsPreload: z.boolean().optional(),
      frameDeny: z.boolean().optional(),
      contentTypeNosniff: z.boolean().optional(),
      browserXssFilter: z.boolean().optional(),
      referrerPolicy: headerValue.optional(),
      contentSecurityPolicy: headerValue.optional(),
      accessControlAllowOriginList: z.array(z.string().min(1).max(2048)).optional(),
      accessControlAllowMethods: z.array(z.string().regex(/^[A-Z]{1,16}$/)).optional(),
      accessControlAllowHeaders: z.array(headerName).optional(),
    })
    .strict(),
  'strip-prefix': z.object({ prefixes: z.array(pathPrefix).min(1).max(50) }).strict(),
  'add-prefix': z.object({ prefix: pathPrefix }).strict(),
  'rate-limit': z
    .object({
      average: z.number().int().min(1),
      burst: z.number().int().min(1).optional(),
      period: duration.optional(),
    })
    .strict(),
  'ip-allow-list': z
    .object({
      sourceRange: z
        .array(
          z
            .string()
            .refine(
              (v) => isIP(v.split('/')[0] ?? '') !== 0 && (!v.includes('/') || /^\d{1,3}$/.test(v.split('/')[1] ?? '')),
              'must be an IP address or CIDR range',
            ),
        )
        .min(1)
        .max(200),
      rejectStatusCode: z.number().int().min(400).max(599).optional(),
    })
    .strict(),
  compress: z
    .object({
      excludedContentTypes: z.array(z.string().min(1).max(200)).optional(),
      minResponseBodyBytes: z.number().int().min(0).optional(),
    })
    .strict(),
} satisfies Record<MiddlewareType, z.ZodType>

export type MiddlewareConfigInput<T extends MiddlewareType = MiddlewareType> = z.infer<
  (typeof middlewareConfigInput)[T]
>

/** A basic-auth user as stored: the bcrypt hash (Apache "$2y$" form, read by Traefik and Caddy), never the password. */
export type StoredBasicAuthUser = { username: string; hash: string }
export type StoredBasicAuth = { users: StoredBasicAuthUser[]; realm?: string; removeHeader?: boolean }

/** Stored config: the input with basic-auth passwords replaced by hashes. */
export type StoredMiddlewareConfig = Record<string, unknown>

export type ConfigProblem = { path: string; message: string }

const BCRYPT_ROUNDS = 10

/**
 * Validates a caller's config for a type and turns it into what is stored: basic-auth passwords
 * are hashed here and the plain text goes no further. `previous` is the stored config being
 * replaced (a basic-auth user sent without a password keeps its hash).
 */
export async function prepareMiddlewareConfig(
  type: MiddlewareType,
  input: unknown,
  previous?: StoredMiddlewareConfig,
): Promise<{ ok: true; config: StoredMiddlewareConfig } | { ok: false; problems: ConfigProblem[] }> {
  const parsed = middlewareConfigInput[type].safeParse(input)
  if (!parsed.success)
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => ({ path: ['config', ...i.path].join('.'), message: i.message })),
    }
  if (type !== 'basic-auth') return { ok: true, config: parsed.data as StoredMiddlewareConfig }
  const data = parsed.data as MiddlewareConfigInput<'basic-auth'>
  const before = new Map(((previous as StoredBasicAuth | undefined)?.users ?? []).map((u) => [u.username, u.hash]))
  const users: StoredBasicAuthUser[] = []
  const problems: ConfigProblem[] = []
  const seen = new Set<string>()
  for (const [i, user] of data.users.entries()) {
    if (seen.has(user.username))
      problems.push({ path: `config.users.${i}.username`, message: `"${user.username}" appears twice` })
    seen.add(user.username)
    const kept = before.get(user.username)
    if (user.password === undefined && kept === undefined) {
      problems.push({ path: `config.users.${i}.password`, message: `is required for the new user "${user.username}"` })
      continue
    }
    const hash =
      user.password === undefined
        ? kept!
        : (await bcrypt.hash(user.password, BCRYPT_ROUNDS)).replace(/^\$2[ab]\$/, '$2y$')
    users.push({ username: user.username, hash })
  }
  if (problems.length > 0) return { ok: false, problems }
  const config: StoredBasicAuth = {
    users,
    ...(data.realm !== undefined && { realm: data.realm }),
    ...(data.removeHeader !== undefined && { removeHeader: data.removeHeader }),
  }
  return { ok: true, config: config as StoredMiddlewareConfig }
}

/** The config as the API shows it: basic-auth users by name only (not even the hash leaves the server). */
export function publicMiddlewareConfig(type: string, config: StoredMiddlewareConfig): Record<string, unknown> {
  if (type !== 'basic-auth') return config
  const stored = config as StoredBasicAuth
  return { ...stored, users: stored.users.map((u) => ({ username: u.username, password_set: true })) }
}

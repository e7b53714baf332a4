import { z } from 'zod'

/** A listen address as Traefik entry points and Caddy servers take it: ":80", "0.0.0.0:8080", "[::]:443". */
const listenAddress = z
  .string()
  .regex(/^(?:[0-9.]*|\[[0-9a-fA-F:]+\]):\d{1,5}$/, 'must be an address like ":80" or "127.0.0.1:8080"')
const resolverName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be 1 to 63 letters, digits, "_" or "-"')

/** The shape of each setting, without defaults: a PUT names only what it changes. */
export const settingsPatchSchema = z
  .object({
    /** Which reverse proxy Berth configures: Traefik through files, or Caddy through its admin API. */
    proxy: z.enum(['traefik', 'caddy']),
    letsencrypt_email: z.string().email().nullable(),
    entry_points: z.object({ web: listenAddress, websecure: listenAddress }).strict(),
    default_cert_resolver: resolverName,
    http_to_https_redirect: z.boolean(),
    /** Where the Traefik container sees the generated dynamic/ directory (the static file points there). */
    traefik_dynamic_dir: z.string().regex(/^\/[A-Za-z0-9._/-]*$/, 'must be an absolute path'),
    caddy_admin_url: z
      .string()
      .regex(/^https?:\/\/[A-Za-z0-9.:[\]-]+(?::\d+)?$/, 'must be an http(s) URL without a path'),
    caddy_http_listen: listenAddress,
    caddy_https_listen: listenAddress,
  })
  .partial()
  .strict()

/** Instance-wide settings; every key has a default, so a fresh instance renders a valid static file. */
export const DEFAULT_SETTINGS = {
  proxy: 'traefik',
  letsencrypt_email: null,
  entry_points: { web: ':80', websecure: ':443' },
  default_cert_resolver: 'letsencrypt',
  http_to_https_redirect: true,
  traefik_dynamic_dir: '/etc/traefik/dynamic',
  caddy_admin_url: 'http://127.0.0.1:2019',
  caddy_http_listen: ':80',
  caddy_https_listen: ':443',
} as const satisfies Required<z.infer<typeof settingsPatchSchema>>

export const settingsSchema = settingsPatchSchema.required()

export type Settings = z.infer<typeof settingsSchema>
export type SettingsPatch = Partial<Settings>
export const SETTING_KEYS = Object.keys(settingsSchema.shape) as (keyof Settings)[]

/** The certificate resolvers the static configuration declares (one, when an ACME e-mail is set). */
export function declaredCertResolvers(settings: Settings): string[] {
  return settings.letsencrypt_email ? [settings.default_cert_resolver] : []
}

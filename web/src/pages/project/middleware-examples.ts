import type { MiddlewareType } from '../../api/proxy-types'

/** A starting config per type (Traefik's own key names), so the form shows what each type takes. */
export const MIDDLEWARE_EXAMPLES: Record<MiddlewareType, unknown> = {
  'redirect-scheme': { scheme: 'https', permanent: true },
  'redirect-regex': { regex: '^https://www\\.(.*)', replacement: 'https://${1}', permanent: true },
  'basic-auth': { users: [{ username: 'admin', password: 'at-least-8-characters' }] },
  headers: { customResponseHeaders: { 'X-Frame-Options': 'DENY' }, contentTypeNosniff: true },
  'strip-prefix': { prefixes: ['/api'] },
  'add-prefix': { prefix: '/app' },
  'rate-limit': { average: 100, burst: 50, period: '1s' },
  'ip-allow-list': { sourceRange: ['10.0.0.0/8'] },
  compress: {},
}

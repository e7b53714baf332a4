import type { Settings } from '../../settings/settings.types.js'
import type { ProjectRouting } from '../proxy.model.js'
import { buildSharedMiddlewares, buildTraefikDynamic } from './traefik.render.js'

type Section = Record<string, unknown>

/**
 * Every project's dynamic configuration and the shared middlewares merged into one document for
 * Traefik's HTTP provider (fleets of proxies on other machines). References are qualified @http,
 * the provider Traefik files them under. Names never collide: they come from unique row ids.
 */
export function buildHttpProviderDocument(
  projects: ProjectRouting[],
  settings: Settings,
): { http: Record<string, Section> } {
  const shared = buildSharedMiddlewares() as { http: { middlewares: Section } }
  const http: Record<string, Section> = { middlewares: { ...shared.http.middlewares } }
  for (const project of projects) {
    const doc = buildTraefikDynamic(project, { settings, provider: 'http' }) as { http: Record<string, Section> } | null
    for (const [section, entries] of Object.entries(doc?.http ?? {})) http[section] = { ...http[section], ...entries }
  }
  return { http }
}

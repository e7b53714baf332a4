import type { SecretGenerator, TemplateManifest } from '../templates.manifest.js'

/**
 * A compose file's `${NAME}`, `${NAME:-default}`, `${NAME-default}` or `${NAME:?message}` (groups:
 * name, operator, default or message); `$${` is an escaped dollar.
 */
export const INTERPOLATION = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g

/** What an import turned into Berth's terms, and what it could not. */
export type ImportReport = { converted: string[]; not_converted: string[] }

export type ImportedTemplate = { manifest: TemplateManifest; compose: string; report: ImportReport }

/** A manifest for a template that came from elsewhere: no catalog version history, no health expectations. */
export function importedManifest(input: {
  id: string
  name: string
  description: string
  tags?: string[]
  logo?: string
  docs?: string
  parameters: TemplateManifest['parameters']
  secrets: { env: string; description: string; generate: SecretGenerator }[]
  route: TemplateManifest['route']
  moreRoutes?: TemplateManifest['more_routes']
}): TemplateManifest {
  return {
    id: input.id,
    name: input.name,
    description: input.description,
    category: 'web',
    tags: input.tags ?? [],
    logo: input.logo ?? 'https://example.invalid/logo.svg',
    docs: input.docs ?? 'https://example.invalid/docs',
    version: '1.0.0',
    parameters: input.parameters,
    secrets: input.secrets,
    route: input.route,
    more_routes: input.moreRoutes ?? [],
    health: { services: [], timeout_seconds: 300 },
  }
}

/** A parameter name (lowercase, `_`) or an env name (upper case, `_`) from a variable name of another tool. */
function identifier(name: string, upper: boolean, fallback: string): string {
  const cased = upper ? name.toUpperCase() : name.toLowerCase()
  const cleaned = cased.replace(upper ? /[^A-Z0-9_]/g : /[^a-z0-9_]/g, '_').replace(upper ? /^[^A-Z]+/ : /^[^a-z]+/, '')
  return (cleaned || fallback).slice(0, 63)
}

export const parameterName = (name: string) => identifier(name, false, 'value')
export const envName = (name: string) => identifier(name, true, 'SECRET')

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { findParameterReferences, renderComposeTemplate, type Parameter } from '../compose/compose.params.js'
import { validateComposeText } from '../compose/compose.validate.js'
import { templateManifest, type Template, type TemplateManifest } from './templates.manifest.js'

/** The catalog shipped in the repository: one folder per template. */
export const CATALOG_DIR = fileURLToPath(new URL('../../templates/', import.meta.url))

class TemplateCatalogError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`Template ${file}: ${problem}`)
    this.name = 'TemplateCatalogError'
  }
}

export type TemplateCatalog = { list(): Template[]; get(id: string): Template | undefined }

// `${NAME}` and `${NAME:-default}` (Compose interpolation); `$${...}` is an escaped dollar.
const INTERPOLATION = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}/g
const SECRET_LIKE_KEY = /(PASSWORD|PASSWD|SECRET|TOKEN|_KEY|SALT)$/i

/** The parameters a template renders with when the user changes nothing. */
export function defaultParameters(manifest: TemplateManifest): Parameter[] {
  return manifest.parameters.map((p) => ({ name: p.name, type: p.type, value: p.default }))
}

/** The `${NAME}` variables a compose file reads from its .env file. */
function interpolatedNames(compose: string): string[] {
  return [...new Set([...compose.matchAll(INTERPOLATION)].map((m) => m[1]!))].sort()
}

/**
 * Loads every template folder under the given directories and checks it, so a broken template
 * stops Berth at start with the file and the problem named, never at a user's deploy.
 */
export function loadTemplateCatalog(dirs: string[]): TemplateCatalog {
  const byId = new Map<string, Template>()
  for (const dir of dirs) {
    for (const entry of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      const template = loadTemplate(join(dir, entry.name))
      if (byId.has(template.id))
        throw new TemplateCatalogError(join(dir, entry.name), `the id "${template.id}" is used by another template`)
      byId.set(template.id, template)
    }
  }
  const sorted = [...byId.values()].sort((a, b) => a.name.localeCompare(b.name))
  return { list: () => sorted, get: (id) => byId.get(id) }
}

function loadTemplate(folder: string): Template {
  const manifestFile = ['template.json', 'template.yaml'].map((f) => join(folder, f)).find((f) => existsSync(f))
  if (!manifestFile) throw new TemplateCatalogError(folder, 'has no template.json or template.yaml')
  let raw: unknown
  try {
    const text = readFileSync(manifestFile, 'utf8')
    raw = manifestFile.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (error) {
    throw new TemplateCatalogError(manifestFile, `cannot be parsed: ${(error as Error).message}`)
  }
  const parsed = templateManifest.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new TemplateCatalogError(manifestFile, `${issue.path.join('.') || 'manifest'}: ${issue.message}`)
  }
  const manifest = parsed.data
  if (!folder.endsWith(manifest.id))
    throw new TemplateCatalogError(manifestFile, `the id "${manifest.id}" is not the folder's name`)
  const composeFile = join(folder, 'compose.yaml')
  if (!existsSync(composeFile)) throw new TemplateCatalogError(folder, 'has no compose.yaml')
  const compose = readFileSync(composeFile, 'utf8')
  const { errors, warnings } = checkTemplate(manifest, compose)
  const problem = errors[0] ?? warnings[0]
  if (problem) throw new TemplateCatalogError(composeFile, problem)
  return { ...manifest, compose }
}

type ComposeShape = {
  services: Record<
    string,
    { image?: string; healthcheck?: { test?: unknown; disable?: boolean }; environment?: unknown }
  >
}

/**
 * What is wrong with a template. Errors make it unusable; warnings (an unpinned image, a literal
 * password) refuse a catalog template but only go into the report of an imported one, whose
 * author is someone else.
 */
export function checkTemplate(manifest: TemplateManifest, compose: string): { errors: string[]; warnings: string[] } {
  const errors: string[] = []
  const warnings: string[] = []
  const declared = new Set(manifest.parameters.map((p) => p.name))
  const used = new Set(findParameterReferences(compose).map((r) => r.name))
  for (const name of used)
    if (!declared.has(name)) errors.push(`uses {{berth.${name}}}, which the manifest does not declare`)
  for (const name of declared) if (!used.has(name)) errors.push(`the parameter "${name}" is declared but never used`)
  const secrets = new Set(manifest.secrets.map((s) => s.env))
  const interpolated = interpolatedNames(compose)
  for (const name of interpolated)
    if (!secrets.has(name)) errors.push(`reads \${${name}}, which is not a declared secret`)
  for (const name of secrets)
    if (!interpolated.includes(name)) errors.push(`the secret ${name} is declared but never used`)
  if (errors.length > 0) return { errors, warnings }
  const rendered = renderComposeTemplate(compose, defaultParameters(manifest))
  if (!rendered.ok) return { errors: rendered.issues.map((i) => `line ${i.line ?? '?'}: ${i.message}`), warnings }
  const valid = validateComposeText(rendered.text)
  if (!valid.ok) return { errors: valid.issues.map((i) => `${i.path}: ${i.message}`), warnings }
  const { services } = valid.value as ComposeShape
  for (const [name, service] of Object.entries(services)) {
    if (!service.image || !/:[^/]+$/.test(service.image) || service.image.endsWith(':latest'))
      warnings.push(`service "${name}" must pin its image to a version tag`)
    for (const key of plainSecretKeys(service.environment))
      warnings.push(`service "${name}" sets ${key} in plain text: generate it as a secret`)
  }
  if (manifest.route && !(manifest.route.service in services))
    errors.push(`the route names the service "${manifest.route.service}", which the compose file lacks`)
  if (manifest.more_routes.length > 0 && !manifest.route)
    errors.push('more_routes needs a main route: they live on sub-domains of its domain')
  for (const extra of manifest.more_routes)
    if (!(extra.service in services))
      errors.push(`the route on ${extra.subdomain}. names the service "${extra.service}", which the compose file lacks`)
  const subdomains = manifest.more_routes.map((r) => r.subdomain)
  if (new Set(subdomains).size !== subdomains.length) errors.push('two of more_routes use the same sub-domain')
  for (const name of manifest.health.services) {
    const check = services[name]?.healthcheck
    if (!check?.test || check.disable) errors.push(`health expects "${name}" to be healthy, but it has no healthcheck`)
  }
  return { errors, warnings }
}

/** Environment keys that look like secrets and hold a literal with no `${...}` reference in it. */
function plainSecretKeys(environment: unknown): string[] {
  const entries: [string, unknown][] = Array.isArray(environment)
    ? environment.map((e) => {
        const text = String(e)
        const eq = text.indexOf('=')
        return eq < 0 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)]
      })
    : Object.entries((environment as Record<string, unknown> | undefined) ?? {})
  return entries
    .filter(([key, value]) => SECRET_LIKE_KEY.test(key) && value !== null && value !== '')
    .filter(([, value]) => !/\$\{[A-Z][A-Z0-9_]*\}/.test(String(value)))
    .map(([key]) => key)
}

import { parse as parseToml } from 'smol-toml'
import { BadRequestError } from '../../errors.js'
import type { SecretGenerator, TemplateManifest } from '../templates.manifest.js'
import { type DokployMount, mountsAsConfigs } from './dokploy-mounts.js'
import { envName, INTERPOLATION, importedManifest, parameterName, type ImportedTemplate } from './import.types.js'

type DokployConfig = {
  variables?: Record<string, unknown>
  config?: {
    domains?: { serviceName?: string; port?: number; host?: string }[]
    env?: Record<string, unknown> | string[]
    mounts?: DokployMount[]
  }
}

/** A variable of template.toml: a generated secret, the domain, or text (which may name other variables). */
type Variable =
  | { kind: 'secret'; env: string; generate: SecretGenerator }
  | { kind: 'domain' }
  | { kind: 'text'; value: string }

const REFERENCE = /\$\{([A-Za-z0-9_:.-]+)\}/g

/**
 * Converts a Dokploy template (docker-compose.yml plus template.toml) into Berth's terms:
 * `${password:N}`, `${base64:N}`, `${hash:N}`, `${uuid}` and `${jwt...}` variables become
 * generated secrets, `${domain}` the `domain` parameter, the first of `config.domains` the route,
 * `config.env` is written into the compose file where it reads `${KEY}`, and `config.mounts` files
 * bound as `../files/...` become Compose configs with their content inline.
 */
export function convertDokploy(id: string, composeText: string, tomlText: string): ImportedTemplate {
  let toml: DokployConfig
  try {
    toml = parseToml(tomlText) as DokployConfig
  } catch (error) {
    throw new BadRequestError('invalid_template', `template.toml cannot be parsed: ${(error as Error).message}`)
  }
  const converted: string[] = []
  const notConverted: string[] = []
  const variables = new Map<string, Variable>()
  for (const [name, raw] of Object.entries(toml.variables ?? {})) variables.set(name, classify(name, String(raw)))

  const secrets = new Map<string, SecretGenerator>()
  const parameters = new Map<string, TemplateManifest['parameters'][number]>()
  const parameterFor = (name: string) => {
    const parameter = parameterName(name)
    if (!parameters.has(parameter)) converted.push(`\${${name}} -> parameter ${parameter}`)
    parameters.set(parameter, {
      name: parameter,
      type: 'string',
      default: '',
      description: `${name} of the Dokploy template`,
    })
    return `{{berth.${parameter}}}`
  }
  /** A value with `${var}` references as Berth writes it: secrets as `${ENV}`, the domain and unknown names as parameters. */
  const resolve = (text: string, depth = 0): string =>
    text.replace(REFERENCE, (_whole, name: string) => {
      const variable = variables.get(name)
      if (!variable || depth > 8) return parameterFor(name)
      if (variable.kind === 'domain') return parameterFor('domain')
      if (variable.kind === 'text') return resolve(variable.value, depth + 1)
      secrets.set(variable.env, variable.generate)
      return `\${${variable.env}}`
    })

  // Mounted files first (a YAML edit, before the text pass can put {{berth.*}} where YAML reads structure).
  const mounted = mountsAsConfigs(composeText, toml.config?.mounts ?? [])
  converted.push(...mounted.converted)
  notConverted.push(...mounted.not_converted)
  // One pass over the compose file: a `${KEY}` of config.env gets its value, any other name is resolved as a variable.
  const env = new Map(envEntries(toml.config?.env))
  const compose = mounted.compose.replace(INTERPOLATION, (_whole, name: string) =>
    env.has(name) ? resolve(env.get(name)!) : resolve(`\${${name}}`),
  )
  for (const key of env.keys()) converted.push(`env ${key} -> written into the compose file`)
  for (const [name, generate] of secrets) converted.push(`${name} -> a generated ${generate.kind} secret`)

  const [first, ...others] = toml.config?.domains ?? []
  const route: TemplateManifest['route'] =
    first?.serviceName && first.port ? { service: first.serviceName, port: first.port } : null
  if (route) converted.push(`domain of ${route.service}, port ${route.port} -> the route`)
  // Another domain on a sub-domain of the main one (`admin.${main_domain}`) becomes a further route.
  const moreRoutes: TemplateManifest['more_routes'] = []
  for (const d of others) {
    const [, subdomain, name] =
      /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.\$\{([A-Za-z0-9_:.-]+)\}$/.exec(d.host ?? '') ?? []
    const onDomain = name !== undefined && (name === 'domain' || variables.get(name)?.kind === 'domain')
    if (
      route &&
      subdomain &&
      onDomain &&
      d.serviceName &&
      d.port &&
      !moreRoutes.some((r) => r.subdomain === subdomain)
    ) {
      moreRoutes.push({ subdomain, service: d.serviceName, port: d.port })
      converted.push(`domain ${d.host} of ${d.serviceName}, port ${d.port} -> a route on ${subdomain}.<domain>`)
    } else
      notConverted.push(
        `the domain ${d.host ?? '(no host)'} (${d.serviceName}:${d.port}): Berth routes further domains only on a sub-domain of the main one`,
      )
  }

  const manifest = importedManifest({
    id,
    name: id,
    description: 'Imported from a Dokploy template',
    parameters: [...parameters.values()].map((p) =>
      p.name === 'domain' ? { ...p, default: 'localhost', description: 'The public host name' } : p,
    ),
    secrets: [...secrets].map(([env, generate]) => ({ env, description: `Dokploy's ${env}`, generate })),
    route,
    moreRoutes,
  })
  return { manifest, compose, report: { converted, not_converted: notConverted } }
}

function classify(name: string, value: string): Variable {
  const helper = /^\$\{(domain|password|base64|hash|uuid|jwt)(?::(\d+))?[^}]*\}$/.exec(value.trim())
  if (!helper) return { kind: 'text', value }
  const [, kind, size] = helper
  const n = size ? Number(size) : 32
  const env = envName(name)
  switch (kind) {
    case 'domain':
      return { kind: 'domain' }
    case 'base64':
      return { kind: 'secret', env, generate: { kind: 'base64', bytes: Math.max(16, Math.min(128, n)) } }
    case 'hash':
      return { kind: 'secret', env, generate: { kind: 'hex', bytes: Math.max(16, Math.min(128, Math.ceil(n / 2))) } }
    case 'uuid':
      return { kind: 'secret', env, generate: { kind: 'uuid' } }
    default:
      return { kind: 'secret', env, generate: { kind: 'password', length: Math.max(16, Math.min(128, n)) } }
  }
}

/** `config.env` is either a table or a list of `KEY=value` lines. */
function envEntries(env: Record<string, unknown> | string[] | undefined): [string, string][] {
  if (!env) return []
  if (Array.isArray(env))
    return env.map((line) => {
      const eq = line.indexOf('=')
      return eq < 0 ? [line, ''] : [line.slice(0, eq), line.slice(eq + 1)]
    })
  return Object.entries(env).map(([k, v]) => [k, String(v)])
}

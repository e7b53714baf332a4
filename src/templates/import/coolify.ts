import { parseDocument, isMap, isSeq, isScalar, type YAMLMap } from 'yaml'
import { BadRequestError } from '../../errors.js'
import type { SecretGenerator, TemplateManifest } from '../templates.manifest.js'
import { INTERPOLATION, importedManifest, parameterName, type ImportedTemplate } from './import.types.js'

/**
 * Converts a Coolify service template (a compose file whose magic variables Coolify fills in)
 * into Berth's terms:
 * - `SERVICE_FQDN_<NAME>_<PORT>` declared in a service's environment: the route (that service, that port);
 * - `${SERVICE_FQDN_*}` / `${SERVICE_URL_*}`: the `domain` parameter (host / https URL);
 * - `${SERVICE_PASSWORD_*}`, `_USER_`, `_BASE64_`, `_REALBASE64_`, `_HEX_`: generated secrets under the same names;
 * - other `${VAR:-default}`: parameters with that default;
 * - header comments `# documentation:`, `# slogan:`, `# tags:`, `# logo:`: the manifest.
 */
export function convertCoolify(id: string, text: string): ImportedTemplate {
  const converted: string[] = []
  const notConverted: string[] = []
  const header = Object.fromEntries(
    [...text.matchAll(/^#\s*(documentation|slogan|tags|logo|port):\s*(.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()]),
  )
  const document = parseDocument(text)
  const [invalid] = document.errors
  if (invalid)
    throw new BadRequestError('invalid_template', `The Coolify compose file cannot be parsed: ${invalid.message}`)
  let route: TemplateManifest['route'] = null
  // Coolify gives every SERVICE_FQDN its own host; after the first, each is a route on a sub-domain named after its service.
  const moreRoutes: TemplateManifest['more_routes'] = []
  const services = document.get('services')
  if (isMap(services)) {
    for (const pair of services.items) {
      const service = String(isScalar(pair.key) ? pair.key.value : pair.key)
      const declared = removeFqdnDeclarations(pair.value as YAMLMap)
      for (const port of declared) {
        if (route) {
          const label =
            service
              .toLowerCase()
              .replace(/[^a-z0-9-]+/g, '-')
              .replace(/^-+|-+$/g, '')
              .slice(0, 50) || 'app'
          const subdomain = moreRoutes.some((r) => r.subdomain === label) ? `${label}-${port}` : label
          moreRoutes.push({ subdomain, service, port })
          converted.push(`SERVICE_FQDN for ${service}, port ${port} -> a route on ${subdomain}.<domain>`)
        } else {
          route = { service, port }
          converted.push(`SERVICE_FQDN for ${service}, port ${port} -> the route`)
        }
      }
    }
  }
  let compose = document.toString()
  const secrets = new Map<string, SecretGenerator>()
  const parameters = new Map<string, TemplateManifest['parameters'][number]>()
  let usesDomain = false
  compose = compose.replace(INTERPOLATION, (whole, name: string, operator?: string, fallback?: string) => {
    const magic = /^SERVICE_(FQDN|URL|PASSWORD|USER|BASE64|REALBASE64|HEX)_(?:(\d+)_)?([A-Z0-9_]+)$/.exec(name)
    if (magic) {
      const [, kind, size] = magic
      if (kind === 'FQDN' || kind === 'URL') {
        usesDomain = true
        return kind === 'URL' ? 'https://{{berth.domain}}' : '{{berth.domain}}'
      }
      secrets.set(name, generatorFor(kind!, size ? Number(size) : undefined))
      return whole
    }
    const parameter = parameterName(name)
    if (!parameters.has(parameter)) converted.push(`\${${name}} -> parameter ${parameter}`)
    parameters.set(parameter, {
      name: parameter,
      type: 'string',
      // `${VAR:?message}` has no default: the user must set one.
      default: operator?.endsWith('-') ? (fallback ?? '') : '',
      description: `${name} of the Coolify template`,
    })
    return `{{berth.${parameter}}}`
  })
  for (const [name, generator] of secrets) converted.push(`${name} -> a generated ${generator.kind} secret`)
  if (usesDomain) {
    parameters.set('domain', {
      name: 'domain',
      type: 'string',
      default: 'localhost',
      description: 'The public host name',
    })
    converted.push('SERVICE_FQDN_* / SERVICE_URL_* -> parameter domain')
  }
  const manifest = importedManifest({
    id,
    name: id,
    description: header.slogan ?? 'Imported from a Coolify template',
    tags: (header.tags ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => /^[a-z0-9-]{1,32}$/.test(t))
      .slice(0, 12),
    docs: header.documentation?.startsWith('http') ? header.documentation : undefined,
    parameters: [...parameters.values()],
    secrets: [...secrets].map(([env, generate]) => ({ env, description: `Coolify's ${env}`, generate })),
    route,
    moreRoutes,
  })
  return { manifest, compose, report: { converted, not_converted: notConverted } }
}

/** Removes `SERVICE_FQDN_<NAME>[_<PORT>]` declarations (list items or valueless keys); returns their ports. */
function removeFqdnDeclarations(service: YAMLMap | null): number[] {
  const environment = service?.get?.('environment')
  const ports: number[] = []
  const declaration = (text: string) => {
    const m = /^SERVICE_FQDN_[A-Z0-9]+?(?:_(\d+))?$/.exec(text.split('=')[0]!)
    if (m && !text.includes('${')) ports.push(m[1] ? Number(m[1]) : 80)
    return Boolean(m) && !text.includes('${')
  }
  if (isSeq(environment))
    environment.items = environment.items.filter((item) => !(isScalar(item) && declaration(String(item.value))))
  if (isMap(environment))
    environment.items = environment.items.filter(
      (pair) =>
        !(
          isScalar(pair.key) &&
          (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) &&
          declaration(String(pair.key.value))
        ),
    )
  return ports
}

function generatorFor(kind: string, size: number | undefined): SecretGenerator {
  switch (kind) {
    case 'BASE64':
    case 'REALBASE64':
      return { kind: 'base64', bytes: Math.max(16, Math.ceil(((size ?? 32) * 3) / 4)) }
    case 'HEX':
      return { kind: 'hex', bytes: Math.max(16, Math.ceil((size ?? 32) / 2)) }
    case 'USER':
      return { kind: 'password', length: 16 }
    default:
      return { kind: 'password', length: Math.max(16, Math.min(128, size ?? 32)) }
  }
}

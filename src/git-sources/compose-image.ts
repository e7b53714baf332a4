import { posix } from 'node:path'
import { isMap, isScalar, parseDocument, type Document } from 'yaml'
import { shieldPlaceholders } from '../compose/compose.params.js'

/** Edits a compose file (a template with `{{berth.*}}` parameters too) as a YAML document, keeping comments. */
function editCompose(composeYaml: string, edit: (doc: Document) => void): string {
  const shielded = shieldPlaceholders(composeYaml)
  const doc = parseDocument(shielded.text)
  edit(doc)
  return shielded.restore(doc.toString())
}

/**
 * The compose file with each named service running the image a build produced: its `image` set
 * to the tag and its `build` section dropped (Berth built it already; `pull_policy: build` goes
 * with it). Everything else the user wrote (ports, env, volumes, health check) stays as it was.
 * A service the file lacks is written around the image, for the user to add ports, volumes and
 * the rest to (the first build of a service whose file has only its other services, or none).
 */
export function withBuiltImages(composeYaml: string, images: Record<string, string>): string {
  return editCompose(composeYaml, (doc) => {
    for (const [service, image] of Object.entries(images)) {
      const definition = doc.getIn(['services', service])
      if (!isMap(definition)) {
        doc.setIn(['services', service], doc.createNode({ image, restart: 'unless-stopped' }))
        continue
      }
      const build = definition.items.find((pair) => isScalar(pair.key) && pair.key.value === 'build')
      if (build && isScalar(build.key)) {
        // The image takes the build section's place (and its comments), so a diff shows one change.
        definition.delete('image')
        build.key.value = 'image'
        build.value = doc.createNode(image)
      } else definition.set('image', image)
      if (definition.get('pull_policy') === 'build') definition.delete('pull_policy')
    }
  })
}

/** The image a compose file runs for a service when it is one Berth built for it (`berth/<service id>:…`). */
export function builtImageOf(composeYaml: string, service: string, serviceId: string): string | null {
  const image = parseDocument(shieldPlaceholders(composeYaml).text).getIn(['services', service, 'image'])
  return typeof image === 'string' && image.startsWith(`berth/${serviceId}:`) ? image : null
}

/**
 * A compose file for a preview, which runs beside the service it previews and is reached through
 * the proxy: host port bindings and fixed container names would collide with the service's own,
 * so they go; everything else stays.
 */
export function withoutHostBindings(composeYaml: string): string {
  return editCompose(composeYaml, (doc) => {
    const services = doc.get('services')
    if (!isMap(services)) return
    for (const pair of services.items)
      if (isMap(pair.value)) for (const key of ['ports', 'container_name']) pair.value.delete(key)
  })
}

/** One `build:` section of a repository's compose file, resolved against the checkout. */
export type ComposeBuild = {
  service: string
  /** Paths relative to the repository root. */
  context: string
  dockerfile: string
  args: Record<string, string>
  target: string | null
  image: string
}

const SUPPORTED = new Set(['context', 'dockerfile', 'args', 'target'])
// A Docker repository name component (the service name becomes one).
const REPOSITORY_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/

/**
 * The builds a repository's compose file asks for (its services with a `build:` section), each
 * tagged `berth/<service uuid>-<compose service>:<commit>`. Contexts are relative to the compose
 * file's directory, as Compose reads them, and must stay inside the repository. Throws a sentence
 * for what Berth does not build (a remote context, an inline Dockerfile, build secrets of the file).
 */
export function composeBuilds(
  composeYaml: string,
  composeDir: string,
  serviceId: string,
  commit: string,
): ComposeBuild[] {
  const doc = parseDocument(composeYaml)
  if (doc.errors.length > 0) throw new Error(`the compose file is not valid YAML: ${doc.errors[0]!.message}`)
  const services = (doc.toJS() as { services?: Record<string, { build?: unknown } | null> } | null)?.services ?? {}
  const builds: ComposeBuild[] = []
  for (const [service, definition] of Object.entries(services).sort(([a], [b]) => a.localeCompare(b))) {
    const build = definition?.build
    if (build === undefined || build === null) continue
    const section = typeof build === 'string' ? { context: build } : (build as Record<string, unknown>)
    const unsupported = Object.keys(section).filter((k) => !SUPPORTED.has(k))
    if (unsupported.length > 0)
      throw new Error(`the build of service "${service}" uses ${unsupported.join(', ')}, which Berth does not build`)
    if (!REPOSITORY_COMPONENT.test(service))
      throw new Error(`service "${service}" cannot name an image (use lowercase letters, digits and single - or _)`)
    const context = insideRepository(composeDir, String(section.context ?? '.'), service)
    builds.push({
      service,
      context,
      dockerfile: insideRepository(context, String(section.dockerfile ?? 'Dockerfile'), service),
      args: buildArgs(section.args),
      target: typeof section.target === 'string' ? section.target : null,
      image: `berth/${serviceId}-${service}:${commit}`,
    })
  }
  return builds
}

function insideRepository(base: string, path: string, service: string): string {
  const resolved = posix.normalize(posix.join(base, path))
  if (/^[a-z]+:\/\//i.test(path) || path.startsWith('/') || resolved === '..' || resolved.startsWith('../'))
    throw new Error(`the build of service "${service}" points outside the repository (${path})`)
  return resolved === '.' ? '' : resolved
}

/** `args` as a map or as a list of KEY=VALUE (a bare KEY takes no value from Berth's environment). */
function buildArgs(args: unknown): Record<string, string> {
  if (Array.isArray(args))
    return Object.fromEntries(
      args
        .map(String)
        .filter((a) => a.includes('='))
        .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
    )
  if (args && typeof args === 'object')
    return Object.fromEntries(
      Object.entries(args as Record<string, unknown>)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    )
  return {}
}

import type { TraefikDoc } from './traefik.render.js'

export type RenderIssue = { file: string; path: string; message: string }

/** What a dynamic document may reference outside itself. */
export type TraefikContext = {
  /** Middleware names defined by other files of the same provider (the shared file). */
  externalMiddlewares: ReadonlySet<string>
  entryPoints: ReadonlySet<string>
  certResolvers: ReadonlySet<string>
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function pathOf(at: (string | number)[]): string {
  let path = ''
  for (const segment of at)
    path = typeof segment === 'number' ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment
  return path
}

/** `tls: {}` is how a router asks for TLS with Traefik's default certificate: the one empty map it takes. */
function isRouterTls(at: (string | number)[]): boolean {
  return at.length === 4 && at[0] === 'http' && at[1] === 'routers' && at[3] === 'tls'
}

/**
 * Traefik refuses a file holding an empty map (`routers: {}`), and one bad file freezes every route.
 * The path is kept as a stack of segments and joined only for an issue: this walks every node of every file.
 */
function findEmpty(value: unknown, at: (string | number)[], file: string, issues: RenderIssue[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) issues.push({ file, path: pathOf(at), message: 'is an empty list' })
    for (let i = 0; i < value.length; i++) {
      at.push(i)
      findEmpty(value[i], at, file, issues)
      at.pop()
    }
  } else if (isMap(value)) {
    let empty = true
    for (const key of Object.keys(value)) {
      empty = false
      at.push(key)
      findEmpty(value[key], at, file, issues)
      at.pop()
    }
    if (empty && !isRouterTls(at)) issues.push({ file, path: pathOf(at), message: 'is an empty map' })
  } else if (value === null || value === undefined || value === '') {
    issues.push({ file, path: pathOf(at), message: 'has no value' })
  }
}

function localName(ref: string, provider: string): string | null {
  const at = ref.lastIndexOf('@')
  if (at === -1) return ref
  return ref.slice(at + 1) === provider ? ref.slice(0, at) : null
}

/**
 * Checks a rendered dynamic document before it may touch disk: the structure Traefik expects,
 * no empty maps or lists, and every reference (service, middleware, entry point, certificate
 * resolver) resolvable. Returns every issue found, empty when the document is safe to write.
 */
export function validateTraefikDynamic(
  file: string,
  doc: TraefikDoc,
  ctx: TraefikContext,
  provider = 'file',
): RenderIssue[] {
  const issues: RenderIssue[] = []
  findEmpty(doc, [], file, issues)
  const extra = Object.keys(doc).filter((k) => k !== 'http')
  if (extra.length > 0) issues.push({ file, path: extra[0]!, message: 'is not a section Berth renders' })
  const http = doc.http
  if (!isMap(http)) return [...issues, { file, path: 'http', message: 'must be a map' }]
  const routers = isMap(http.routers) ? http.routers : {}
  const services = isMap(http.services) ? http.services : {}
  const middlewares = isMap(http.middlewares) ? http.middlewares : {}
  if (Object.keys(routers).length > 0 !== Object.keys(services).length > 0)
    issues.push({ file, path: 'http', message: 'has routers without services or services without routers' })

  for (const [name, router] of Object.entries(routers)) {
    const at = `http.routers.${name}`
    if (!isMap(router)) {
      issues.push({ file, path: at, message: 'must be a map' })
      continue
    }
    if (
      typeof router.rule !== 'string' ||
      !/^(Host|HostRegexp)\(`[^`]+`\)( && (Path|PathPrefix)\(`[^`]+`\))?$/.test(router.rule)
    ) {
      issues.push({ file, path: `${at}.rule`, message: `is not a rule Berth renders: ${String(router.rule)}` })
    }
    const service = typeof router.service === 'string' ? localName(router.service, provider) : null
    if (service === null || !(service in services))
      issues.push({
        file,
        path: `${at}.service`,
        message: `names the service "${String(router.service)}", which is not defined`,
      })
    for (const ref of Array.isArray(router.middlewares) ? router.middlewares : []) {
      const local = typeof ref === 'string' ? localName(ref, provider) : null
      if (local === null || !(local in middlewares || ctx.externalMiddlewares.has(local))) {
        issues.push({
          file,
          path: `${at}.middlewares`,
          message: `names the middleware "${String(ref)}", which is not defined`,
        })
      }
    }
    for (const ep of Array.isArray(router.entryPoints) ? router.entryPoints : [undefined]) {
      if (typeof ep !== 'string' || !ctx.entryPoints.has(ep))
        issues.push({
          file,
          path: `${at}.entryPoints`,
          message: `names the entry point "${String(ep)}", which the static configuration does not declare`,
        })
    }
    if (router.tls !== undefined) {
      const tls = isMap(router.tls) ? router.tls : null
      const resolver = tls?.certResolver
      if (tls === null || Object.keys(tls).some((k) => k !== 'certResolver')) {
        issues.push({
          file,
          path: `${at}.tls`,
          message: 'must be {} (the default certificate) or name only a certResolver',
        })
      } else if (resolver !== undefined && (typeof resolver !== 'string' || !ctx.certResolvers.has(resolver))) {
        issues.push({
          file,
          path: `${at}.tls.certResolver`,
          message: `names the certificate resolver "${String(resolver)}", which the static configuration does not declare (set letsencrypt_email in the settings)`,
        })
      }
    }
  }
  for (const [name, service] of Object.entries(services)) {
    const servers = isMap(service) && isMap(service.loadBalancer) ? service.loadBalancer.servers : undefined
    if (!Array.isArray(servers) || servers.length === 0) {
      issues.push({ file, path: `http.services.${name}`, message: 'needs a loadBalancer with at least one server' })
      continue
    }
    for (const s of servers) {
      if (!isMap(s) || typeof s.url !== 'string' || !URL.canParse(s.url))
        issues.push({
          file,
          path: `http.services.${name}.loadBalancer.servers`,
          message: `has a server without a valid URL`,
        })
    }
  }
  for (const [name, m] of Object.entries(middlewares)) {
    if (!isMap(m) || Object.keys(m).length !== 1)
      issues.push({ file, path: `http.middlewares.${name}`, message: 'must hold exactly one middleware type' })
  }
  return issues
}

/** Names defined more than once across documents: the file provider merges them and drops both. */
export function duplicateNames(docs: Map<string, TraefikDoc>): RenderIssue[] {
  const seen = new Map<string, string>()
  const issues: RenderIssue[] = []
  for (const [file, doc] of docs) {
    const http = isMap(doc.http) ? doc.http : {}
    for (const section of ['routers', 'services', 'middlewares']) {
      for (const name of Object.keys(isMap(http[section]) ? (http[section] as object) : {})) {
        const key = `${section}.${name}`
        const other = seen.get(key)
        if (other !== undefined) issues.push({ file, path: `http.${key}`, message: `is also defined in ${other}` })
        else seen.set(key, file)
      }
    }
  }
  return issues
}

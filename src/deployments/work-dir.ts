import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isMap, isSeq, parseDocument, type Document } from 'yaml'

/**
 * Which compose services of a Berth service the proxy routes to, and the project network they join
 * with the proxies (the proxy module provides the real one).
 */
export type ProxyNetwork = {
  /** The network the proxy containers sit on. */
  name: string
  /** The network a project's routed services share with the proxies and with nothing else. */
  networkOf(projectId: string): string
  composeServicesToAttach(serviceId: string): Promise<string[]>
  /** The DNS alias a compose service gets on the network, when the proxy dials it by name. */
  aliasFor?(serviceId: string, composeService: string): string
  /** Which of these project ids this Berth holds: a proxy joins only their networks, never another instance's. */
  knownProjects(projectIds: string[]): Promise<Set<string>>
}

/**
 * Adds the external network to the named compose services (keeping `default`, which a service
 * without a `networks` key was on implicitly) and declares it at the top level. With `aliasFor`,
 * each service also gets that DNS alias on the network (the name the proxy dials). Pure.
 */
export function attachToNetwork(
  composeYaml: string,
  network: string,
  services: string[],
  aliasFor?: (composeService: string) => string,
): string {
  if (services.length === 0) return composeYaml
  const doc = parseDocument(composeYaml) as Document.Parsed
  let attached = 0
  for (const name of [...new Set(services)].sort()) {
    const service = doc.getIn(['services', name], true)
    if (!isMap(service)) continue
    const entry = aliasFor ? doc.createNode({ aliases: [aliasFor(name)] }) : null
    const networks = service.get('networks', true)
    if (networks === undefined || networks === null) {
      service.set(
        'networks',
        aliasFor ? doc.createNode({ default: null, [network]: entry }) : doc.createNode(['default', network]),
      )
    } else if (isSeq(networks)) {
      const names = networks.items.map((i) => String((i as { value?: unknown }).value ?? i))
      if (aliasFor)
        service.set(
          'networks',
          doc.createNode({ ...Object.fromEntries(names.map((n) => [n, null])), [network]: entry }),
        )
      else if (!names.includes(network)) networks.add(doc.createNode(network))
    } else if (isMap(networks)) {
      if (aliasFor || !networks.has(network)) networks.set(network, entry)
    } else throw new Error(`services.${name}.networks must be a list or a mapping`)
    attached++
  }
  if (attached === 0) return composeYaml
  if (!isMap(doc.get('networks', true))) doc.set('networks', doc.createNode({}))
  doc.setIn(['networks', network], doc.createNode({ name: network, external: true }))
  return doc.toString()
}

/**
 * A .env file Compose reads for interpolation. Values go in single quotes (taken literally by
 * Compose); a value that holds a quote or a line break goes in double quotes with escapes.
 */
export function renderEnvFile(env: Record<string, string>): string {
  return Object.keys(env)
    .sort()
    .map((key) => {
      const value = env[key]!
      if (!/['\n\r]/.test(value)) return `${key}='${value}'`
      const escaped = value
        .replace(/\\/g, '\\\\')
        .replace(/"/g, '\\"')
        .replace(/\n/g, '\\n')
        .replace(/\r/g, '\\r')
        .replace(/\$/g, '\\$')
      return `${key}="${escaped}"`
    })
    .join('\n')
    .concat('\n')
}

function writeAtomically(path: string, content: string, mode: number) {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, content, { mode })
  chmodSync(tmp, mode)
  renameSync(tmp, path)
}

/**
 * Writes a resource's work dir `<dataDir>/work/<resource-id>/`: compose.yaml and .env (0600, the
 * only place secret values are written). The deployment worker is this directory's only writer.
 */
export function writeWorkDir(
  dataDir: string,
  resourceId: string,
  files: { composeYaml: string; envFile: string },
): string {
  const dir = workDirOf(dataDir, resourceId)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  writeAtomically(join(dir, 'compose.yaml'), files.composeYaml, 0o600)
  writeAtomically(join(dir, '.env'), files.envFile, 0o600)
  return dir
}

export function workDirOf(dataDir: string, resourceId: string): string {
  return join(dataDir, 'work', resourceId)
}

/** Deletes a removed resource's work dir: its .env holds the resource's secrets in plain text. */
export function removeWorkDir(dataDir: string, resourceId: string): void {
  rmSync(workDirOf(dataDir, resourceId), { recursive: true, force: true })
}

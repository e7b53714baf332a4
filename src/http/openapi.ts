/** The tags operations are grouped by, in the order the documentation lists them. */
export const TAGS = [
  { name: 'health', description: 'Health, liveness, version and metrics (public)' },
  { name: 'auth', description: 'Sessions and the caller' },
  { name: 'tokens', description: 'API tokens' },
  { name: 'teams', description: 'Teams, members and invitations' },
  { name: 'users', description: 'Users (instance administrators) and your own password' },
  { name: 'dashboard', description: "The team's overview: health, deployments, servers, proxy" },
  { name: 'projects', description: 'Projects group services and databases' },
  { name: 'services', description: 'Services: a versioned compose file each' },
  { name: 'compose', description: 'Compose versions, history, diff, rollback and validation' },
  { name: 'parameters', description: 'Typed parameters the compose template renders with' },
  { name: 'env', description: 'Environment variables (secrets masked)' },
  { name: 'databases', description: 'Standalone databases from templates' },
  { name: 'deployments', description: 'Deployments, their logs, and container status' },
  { name: 'events', description: 'Live deployment status changes' },
  { name: 'servers', description: 'Docker engines to deploy to' },
  { name: 'proxy', description: 'Domains, routes, middlewares and the proxy configuration' },
  { name: 'settings', description: 'Instance settings' },
  { name: 'audit', description: 'The audit log' },
  { name: 'backups', description: 'Backups of the embedded database' },
  { name: 'notifications', description: 'Notification channels and the delivery log' },
]

type Document = { components?: { schemas?: Record<string, unknown> } } & Record<string, unknown>

/**
 * fastify-type-provider-zod emits every named schema twice, as `X` (responses) and `XInput`
 * (requests); keep only the components an operation (or another kept component) refers to.
 */
export function dropUnusedSchemas<T>(document: T): T {
  const doc = document as Document
  const schemas = doc.components?.schemas
  if (!schemas) return document
  const { components, ...rest } = doc
  const refsIn = (value: unknown) =>
    [...JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string)
  const used = new Set(refsIn(rest))
  for (const queue = [...used]; queue.length > 0; ) {
    for (const name of refsIn(schemas[queue.pop() as string])) {
      if (!used.has(name)) {
        used.add(name)
        queue.push(name)
      }
    }
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)))
  return { ...doc, components: { ...components, schemas: kept } } as T
}

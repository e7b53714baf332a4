import type { ContainerSummary } from '../deployments/resource-runtime.js'

/** What a user wants to know about a service or database at a glance. */
export const HEALTH = ['healthy', 'unhealthy', 'crash-looping', 'stopped', 'never deployed', 'unknown'] as const
export type Health = (typeof HEALTH)[number]

// A one-shot container (a migration, an init step) that ended with 0 did its job: it is not "down".
const doneOk = (c: ContainerSummary) => c.state === 'exited' && /^Exited \(0\)/.test(c.status)

/**
 * The health of a resource from its containers (undefined: its engine did not answer) and whether
 * it was ever deployed. A container the engine keeps restarting is crash-looping, whatever else runs.
 */
export function healthOf(containers: ContainerSummary[] | undefined, everDeployed: boolean): Health {
  if (containers === undefined) return 'unknown'
  if (containers.length === 0) return everDeployed ? 'stopped' : 'never deployed'
  if (containers.some((c) => c.state === 'restarting')) return 'crash-looping'
  const relevant = containers.filter((c) => !doneOk(c))
  const running = relevant.filter((c) => c.state === 'running')
  if (running.length === 0) return relevant.length === 0 ? 'healthy' : 'stopped'
  if (running.some((c) => c.status.includes('(unhealthy)')) || running.length < relevant.length) return 'unhealthy'
  return 'healthy'
}

export type Attention = {
  severity: 'critical' | 'warning'
  message: string
  // What to open about it; the proxy sync as a whole has no uuid.
  target: { type: 'service' | 'database' | 'deployment' | 'server' | 'proxy' | 'backup'; uuid: string | null }
}

/** Most severe first, then in the order found (projects by name). */
export function byUrgency(items: Attention[]): Attention[] {
  const rank = { critical: 0, warning: 1 }
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => rank[a.item.severity] - rank[b.item.severity] || a.i - b.i)
    .map(({ item }) => item)
}

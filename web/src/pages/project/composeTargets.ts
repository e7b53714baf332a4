import { parse } from 'yaml'

/** A compose service a route may send requests to, with the container ports it names. */
export type ComposeTarget = { name: string; ports: number[] }

/** The container side of a `ports:` or `expose:` entry ("127.0.0.1:8080:80/tcp" → 80), if it is one port. */
function containerPort(entry: unknown): number | undefined {
  if (typeof entry === 'number') return entry
  if (entry && typeof entry === 'object' && 'target' in entry) return Number(entry.target) || undefined
  if (typeof entry !== 'string') return undefined
  const port = Number(entry.split('/')[0]!.split(':').at(-1))
  return Number.isInteger(port) && port > 0 ? port : undefined
}

/** The services of a compose file and the ports each one publishes or exposes; nothing for a file that does not parse. */
export function composeTargets(yaml: string): ComposeTarget[] {
  let doc: unknown
  try {
    doc = parse(yaml)
  } catch {
    // A template with placeholders Berth renders may not parse on its own: offer no suggestions then.
    return []
  }
  const services = (doc as { services?: Record<string, { ports?: unknown[]; expose?: unknown[] } | null> })?.services
  if (!services || typeof services !== 'object') return []
  return Object.entries(services).map(([name, spec]) => {
    const entries = [
      ...(Array.isArray(spec?.ports) ? spec.ports : []),
      ...(Array.isArray(spec?.expose) ? spec.expose : []),
    ]
    const ports = entries.map(containerPort).filter((p): p is number => p !== undefined)
    return { name, ports: [...new Set(ports)] }
  })
}

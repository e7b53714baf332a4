import type { ProxyRuntimeService } from './proxy-runtime.service.js'

/**
 * Tells when a proxy Berth runs goes down while it should run (stopped by hand, crashed, removed):
 * checked at every refresh of its server's state, so within a second of the engine's container
 * event, or the minute's refresh. Once per outage; the state lives in memory, so a restart of Berth
 * with the proxy still down reports it once more.
 */
export function createProxyWatch(deps: {
  whyDown: ProxyRuntimeService['whyDown']
  onDown(serverId: string, message: string): Promise<void>
}) {
  const down = new Set<string>()

  async function check(serverId: string) {
    const message = await deps.whyDown(serverId)
    if (message === null) {
      down.delete(serverId)
      return
    }
    if (down.has(serverId)) return
    down.add(serverId)
    await deps.onDown(serverId, message)
  }

  return { check }
}

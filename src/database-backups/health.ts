import type { DockerHost } from '../servers/docker-host.js'

const HEALTHY_TIMEOUT_MS = 120_000

/**
 * Waits until a container that is restarting (a Redis restore shuts its server down) runs again
 * and its health check passes; containers without a health check only need to run.
 */
export async function waitUntilHealthy(host: DockerHost, container: string, timeoutMs = HEALTHY_TIMEOUT_MS) {
  const started = await inspect(host, container)
  const deadline = Date.now() + timeoutMs
  let last = started
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    last = await inspect(host, container)
    const restarted = last.restarts > started.restarts || last.startedAt !== started.startedAt
    if (restarted && last.running && (last.health === '' || last.health === 'healthy')) return
  }
  throw new Error(
    `the container ${container} did not come back healthy within ${Math.round(timeoutMs / 1000)} s (running: ${last.running}, health: ${last.health || 'none'})`,
  )
}

async function inspect(host: DockerHost, container: string) {
  const res = await host.docker([
    'inspect',
    '--format',
    '{{.RestartCount}}|{{.State.Running}}|{{.State.StartedAt}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}',
    container,
  ])
  if (res.code !== 0) throw new Error(`docker inspect ${container} failed: ${res.stderr.trim()}`)
  const [restarts, running, startedAt, health] = res.stdout.trim().split('|')
  return { restarts: Number(restarts), running: running === 'true', startedAt: startedAt ?? '', health: health ?? '' }
}

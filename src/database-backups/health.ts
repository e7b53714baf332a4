import type { DockerHost } from '../servers/docker-host.js'

const HEALTHY_TIMEOUT_MS = 120_000

export type ContainerState = Awaited<ReturnType<typeof containerState>>

/**
 * Waits until a container restarted since `started` (its state before a Redis restore shut the
 * server down: taken before, since the restart may be over by the time the restore's exec ends)
 * runs again and its health check passes; containers without a health check only need to run.
 */
export async function waitUntilRestartedHealthy(
  host: DockerHost,
  container: string,
  started: ContainerState,
  timeoutMs = HEALTHY_TIMEOUT_MS,
) {
  const deadline = Date.now() + timeoutMs
  let last = started
  while (Date.now() < deadline) {
    last = await containerState(host, container)
    const restarted = last.restarts > started.restarts || last.startedAt !== started.startedAt
    if (restarted && last.running && (last.health === '' || last.health === 'healthy')) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(
    `the container ${container} did not come back healthy within ${Math.round(timeoutMs / 1000)} s (running: ${last.running}, health: ${last.health || 'none'})`,
  )
}

export async function containerState(host: DockerHost, container: string) {
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

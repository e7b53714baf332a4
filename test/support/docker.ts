import { execFile, spawnSync } from 'node:child_process'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { promisify } from 'node:util'
import type { TestContext } from 'node:test'
import { listProjectNetworks } from '../../src/deployments/attach-routed.js'
import { PROXY_NETWORK } from '../../src/proxy/network.js'
import { createDockerHost, LOCAL_DOCKER_HOST } from '../../src/servers/docker-host.js'
import { REPO_ROOT } from './cli.js'

const run = promisify(execFile)
export const TEST_IMAGE = 'berth-test/busybox:1'
/** Debian's Redis on the busybox root fs (scripts/setup-test-host.sh): a real database server for deployments. */
export const REDIS_IMAGE = 'berth-test/redis:7'

let availability: Promise<string | null> | undefined

/** Why Docker cannot be used here, or null when the engine, Compose v2 and the test image are all there. */
function dockerProblem(): Promise<string | null> {
  availability ??= (async () => {
    try {
      await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 15_000 })
    } catch {
      return 'no Docker engine answers (run scripts/setup-test-host.sh)'
    }
    try {
      await run('docker', ['compose', 'version', '--short'], { timeout: 15_000 })
    } catch {
      return 'the Docker Compose v2 plugin is missing (run scripts/setup-test-host.sh)'
    }
    for (const image of [TEST_IMAGE, REDIS_IMAGE]) {
      try {
        await run('docker', ['image', 'inspect', image], { timeout: 15_000 })
      } catch {
        return `the test image ${image} is missing (run scripts/setup-test-host.sh)`
      }
    }
    return null
  })()
  return availability
}

/**
 * Skips a test that needs Docker when none is available - except in CI, where such a test must
 * fail: the deployment suite has to run there, not be skipped quietly.
 */
export async function requireDocker(t: TestContext): Promise<boolean> {
  const problem = await dockerProblem()
  if (problem === null) return true
  if (process.env.CI === 'true') throw new Error(`Docker is required in CI: ${problem}`)
  t.skip(problem)
  return false
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

/** Creates Berth's shared network `berth` unless it exists (the proxy containers of the tests join it). */
export async function ensureProxyNetwork(): Promise<void> {
  const exists = () =>
    docker(['network', 'inspect', PROXY_NETWORK]).then(
      () => true,
      () => false,
    )
  if (await exists()) return
  // Another test may create it at the same moment: only a network that still does not exist is an error.
  await docker(['network', 'create', PROXY_NETWORK]).catch(async (error: unknown) => {
    if (!(await exists())) throw error
  })
}

export async function docker(args: string[], timeoutMs = 60_000): Promise<{ stdout: string; stderr: string }> {
  return run('docker', args, { timeout: timeoutMs })
}

/** Removes a Compose project's containers, networks and volumes (tests clean up after themselves). */
export async function removeProject(project: string): Promise<void> {
  await run(
    'docker',
    ['compose', '--project-name', project, 'down', '--volumes', '--remove-orphans', '--timeout', '0'],
    { timeout: 60_000 },
  )
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export async function httpGet(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
    return { status: res.status, body: await res.text() }
  } catch {
    return undefined
  }
}

export function httpdCompose(port: number, extra = ''): string {
  return `services:
  web:
    image: ${TEST_IMAGE}
    command: httpd -f -p 80 -h /www
    stop_grace_period: 1s
    ports:
      - "127.0.0.1:${port}:80"
${extra}`
}

/** Removes the images Berth built for a service (every build labels them berth.service=<uuid>). */
export async function removeBuiltImages(serviceId: string): Promise<void> {
  const images = await docker(['images', '--quiet', '--filter', `label=berth.service=${serviceId}`])
  const ids = [...new Set(images.stdout.split('\n').filter(Boolean))]
  if (ids.length > 0) await docker(['rmi', '--force', ...ids])
}

/** A deployment that blocks: "waiter" waits for "slow" to be healthy, which it stays "starting" for ten minutes. */
export const SLOW_COMPOSE = `services:
  slow:
    image: ${TEST_IMAGE}
    command: sleep 600
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 600
      start_period: 600s
  waiter:
    image: ${TEST_IMAGE}
    command: sleep 600
    stop_grace_period: 1s
    depends_on:
      slow:
        condition: service_healthy
`

/** A compose file of the repository as `docker compose config` resolves it (with .env.example), as JSON. */
export function composeConfig(file: string): any {
  const run = spawnSync(
    'docker',
    ['compose', '--env-file', '.env.example', '--profile', 'backup', '-f', file, 'config', '--format', 'json'],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  )
  assert.equal(run.status, 0, `docker compose config rejected ${file}: ${run.stderr}`)
  return JSON.parse(run.stdout)
}

/** A container's address on Berth's proxy network. */
export async function proxyNetworkIp(containerId: string): Promise<string> {
  const inspect = await docker([
    'inspect',
    '--format',
    `{{(index .NetworkSettings.Networks "${PROXY_NETWORK}").IPAddress}}`,
    containerId,
  ])
  return inspect.stdout.trim()
}

/** The names of the networks a container is on, sorted. */
export async function containerNetworks(container: string): Promise<string[]> {
  const { stdout } = await docker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', container])
  return Object.keys(JSON.parse(stdout) as object).sort()
}

/**
 * Removes the project networks of these projects (a test app's, when its database goes): the
 * tests close their apps without deleting their projects, and the networks would pile up on the
 * engine until its address pool ran out. Containers still on one are disconnected first (their
 * test removes them next). Does nothing without an engine.
 */
export async function removeProjectNetworks(projectIds: string[]): Promise<void> {
  if (projectIds.length === 0 || (await dockerProblem()) !== null) return
  const wanted = new Set(projectIds)
  const local = createDockerHost({ id: 'local', docker_host: LOCAL_DOCKER_HOST }, null, '/nonexistent')
  // A container or the network itself may be going at the same moment (its test's own clean-up).
  const unlessGone = (error: { stderr?: string }) => {
    if (!/No such (network|container)|not found|is not connected/i.test(error.stderr ?? '')) throw error
    return { stdout: '', stderr: '' }
  }
  for (const { name, projectId } of await listProjectNetworks(local)) {
    if (!wanted.has(projectId)) continue
    const members = await docker([
      'network',
      'inspect',
      '--format',
      '{{range $id, $c := .Containers}}{{$id}} {{end}}',
      name,
    ]).catch(unlessGone)
    for (const id of members.stdout.split(/\s+/).filter(Boolean))
      await docker(['network', 'disconnect', '--force', name, id]).catch(unlessGone)
    await docker(['network', 'rm', name]).catch(unlessGone)
  }
}

// A real Caddy (this machine's Debian package) running in a container on Berth's shared network,
// where it resolves the aliases routed services get (`<compose service>.<service uuid>`) through
// Docker's DNS, as a production Caddy beside Berth would. No Caddy image can be pulled here, so the
// busybox test image runs the host's caddy binary, mounted read-only with the libraries it links.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestApp, type TestApp } from './harness.js'
import { PROXY_LABEL, PROXY_NETWORK } from '../../src/proxy/network.js'
import { TEST_IMAGE, docker, ensureProxyNetwork, proxyNetworkIp, waitFor } from './docker.js'

export type CaddyContainer = { id: string; ip: string; adminUrl: string; stop(): Promise<void> }

/** The caddy binary and every shared library it needs, as `-v host:container:ro` arguments. */
function caddyMounts(): string[] {
  const binary = execFileSync('sh', ['-c', 'command -v caddy'], { encoding: 'utf8' }).trim()
  const libraries = [...execFileSync('ldd', [binary], { encoding: 'utf8' }).matchAll(/(\/\S+)/g)].map((m) => m[1]!)
  return [binary, ...libraries].flatMap((path) => [
    '-v',
    `${realpathSync(path)}:${path === binary ? '/usr/bin/caddy' : path}:ro`,
  ])
}

/** Starts Caddy with only its admin API (on all interfaces of the container); Berth loads the rest. */
export async function startCaddyContainer(workDir: string): Promise<CaddyContainer> {
  await ensureProxyNetwork()
  const boot = join(workDir, 'caddy-boot.json')
  writeFileSync(boot, JSON.stringify({ admin: { listen: '0.0.0.0:2019' } }))
  const { stdout } = await docker([
    'run',
    '--detach',
    '--rm',
    '--network',
    PROXY_NETWORK,
    // A proxy, as the operator of a proxy not run by Berth labels it: Berth connects it to each project's network.
    '--label',
    `${PROXY_LABEL}=true`,
    '-v',
    `${boot}:/etc/caddy/boot.json:ro`,
    ...caddyMounts(),
    '-e',
    'HOME=/data',
    '-e',
    'XDG_DATA_HOME=/data',
    '-e',
    'XDG_CONFIG_HOME=/config',
    TEST_IMAGE,
    '/usr/bin/caddy',
    'run',
    '--config',
    '/etc/caddy/boot.json',
  ])
  const id = stdout.trim()
  const stop = async () => void (await docker(['rm', '--force', id]))
  try {
    const ip = await proxyNetworkIp(id)
    const adminUrl = `http://${ip}:2019`
    await waitFor(
      'Caddy admin API answering',
      async () => (await fetch(`${adminUrl}/config/`, { signal: AbortSignal.timeout(2000) })).ok,
      20_000,
    )
    return { id, ip, adminUrl, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * A Caddy container and a test app whose proxy it is (the settings point the sync at its admin
 * API, plain HTTP on :80), with the sync started. Their removal goes onto `cleanup`; `admin` is a
 * token of an instance administrator of `team`.
 */
export async function startCaddyWithApp(
  cleanup: (() => void | Promise<void>)[],
  prefix: string,
  team = 'Default',
): Promise<{ caddy: CaddyContainer; app: TestApp; admin: string; workDir: string }> {
  const workDir = mkdtempSync(join(tmpdir(), prefix))
  cleanup.push(() => rmSync(workDir, { recursive: true, force: true }))
  const caddy = await startCaddyContainer(workDir)
  cleanup.push(() => caddy.stop())
  const app = await startTestApp()
  cleanup.push(() => app.close())
  const admin = await app.token(['root', 'instance'], team)
  const put = await app.call(admin, 'PUT', '/api/v1/settings', {
    proxy: 'caddy',
    caddy_admin_url: caddy.adminUrl,
    caddy_http_listen: ':80',
    http_to_https_redirect: false,
  })
  assert.equal(put.status, 200, JSON.stringify(put.body))
  app.app.proxySync.start(app.app.events)
  return { caddy, app, admin, workDir }
}

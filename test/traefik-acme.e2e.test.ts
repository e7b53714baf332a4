// Certificates end to end: Traefik's certificate resolver exactly as Berth's static file declares
// it (Let's Encrypt's directory, the HTTP-01 challenge on the web entry point) gets a certificate
// for a TLS domain from Pebble, Let's Encrypt's ACME test server, and the route serves it.
// Berth's file names Let's Encrypt's production directory and offers no other, so this test stands
// in for it: in the Traefik container, acme-v02.api.letsencrypt.org resolves to a small HTTPS front
// on the host (a certificate from a test CA that Traefik's ACME client trusts through
// LEGO_CA_CERTIFICATES), which passes everything to Pebble and maps /directory to Pebble's /dir.
// Pebble validates the challenge against Traefik's web entry point, the domain pointing at Traefik.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { PROXY_NETWORK } from '../src/proxy/network.js'
import { TEST_IMAGE, docker, proxyNetworkIp, requireDocker } from './support/docker.js'
import { requireTools } from './support/external-tools.js'
import { startTestApp } from './support/harness.js'
import { issueTestCertificate } from './support/test-certs.js'
import { proxyNetworkGateway, proxyRequest, readTraefikLog, startTraefikContainer, within } from './support/traefik.js'

const LE_HOST = 'acme-v02.api.letsencrypt.org'

/** A test CA and a certificate it signed for Let's Encrypt's host name, as PEM files in `dir`. */
function frontCertificates(dir: string): { ca: string; cert: string; key: string } {
  return issueTestCertificate(dir, { name: 'front', altNames: [`DNS:${LE_HOST}`], days: 2 })
}

describe('certificates from an ACME server through Traefik', () => {
  it("issues a certificate with Traefik's resolver as Berth declares it (HTTP-01) and serves it on the route", {
    timeout: 180_000,
  }, async (t) => {
    if (
      !requireTools(t, [
        ['traefik', ['version']],
        ['pebble', ['-version']],
        ['openssl', ['version']],
      ]) ||
      !(await requireDocker(t))
    )
      return
    const cleanup: (() => void | Promise<void>)[] = []
    try {
      const workDir = mkdtempSync(join(tmpdir(), 'berth-traefik-acme-'))
      cleanup.push(() => rmSync(workDir, { recursive: true, force: true }))
      const certs = join(workDir, 'certs')
      mkdirSync(certs)
      const front = frontCertificates(certs)
      const gateway = await proxyNetworkGateway()

      const site = createHttpServer((_req, res) => res.end('secured'))
      await new Promise<void>((resolve) => site.listen(0, gateway, resolve))
      cleanup.push(() => void site.close())

      const app = await startTestApp({ BERTH_PROXY_RECONCILE_SECONDS: '3600' })
      cleanup.push(() => app.close())
      const root = await app.token(['root', 'instance'])
      assert.equal(
        (await app.call(root, 'PUT', '/api/v1/settings', { letsencrypt_email: 'ops@berth.test' })).status,
        200,
      )
      app.app.proxySync.start(app.app.events)
      await app.app.proxySync.idle()

      const acme = join(workDir, 'letsencrypt')
      mkdirSync(acme)
      const traefik = await startTraefikContainer({
        mounts: [`${app.app.config.proxyDir}:/etc/traefik:ro`, `${acme}:/letsencrypt`, `${certs}:/certs:ro`],
        args: ['--configFile=/etc/traefik/static/traefik.yml'],
        logPath: join(workDir, 'traefik.log'),
        hosts: [`${LE_HOST}:${gateway}`],
        env: { LEGO_CA_CERTIFICATES: '/certs/front-ca.pem' },
      })
      cleanup.push(() => traefik.stop())

      // Pebble, on the berth network, where the test domain points at Traefik.
      const domain = 'secure.berth.test'
      writeFileSync(
        join(certs, 'pebble.json'),
        JSON.stringify({
          pebble: {
            listenAddress: '0.0.0.0:14000',
            managementListenAddress: '0.0.0.0:15000',
            certificate: '/certs/front.pem',
            privateKey: '/certs/front.key',
            httpPort: 80,
            tlsPort: 443,
            ocspResponderURL: '',
            externalAccountBindingRequired: false,
          },
        }),
      )
      const pebbleId = (
        await docker([
          'run',
          '--detach',
          '--network',
          PROXY_NETWORK,
          '--add-host',
          `${domain}:${traefik.ip}`,
          '-e',
          'PEBBLE_VA_NOSLEEP=1',
          '-e',
          'PEBBLE_WFE_NONCEREJECT=0',
          '-v',
          `${realpathSync(execFileSync('sh', ['-c', 'command -v pebble'], { encoding: 'utf8' }).trim())}:/usr/local/bin/pebble:ro`,
          '-v',
          `${certs}:/certs:ro`,
          TEST_IMAGE,
          '/usr/local/bin/pebble',
          '-config',
          '/certs/pebble.json',
        ])
      ).stdout.trim()
      cleanup.push(async () => void (await docker(['rm', '--force', pebbleId])))
      const pebbleIp = await proxyNetworkIp(pebbleId)

      // The front on Let's Encrypt's address: /directory is Pebble's /dir, everything else as it is.
      const frontServer = createHttpsServer(
        { cert: readFileSync(front.cert), key: readFileSync(front.key) },
        (req, res) => {
          const upstream = httpsRequest(
            {
              host: pebbleIp,
              port: 14000,
              method: req.method,
              path: req.url === '/directory' ? '/dir' : req.url,
              headers: req.headers,
              rejectUnauthorized: false,
            },
            (answer) => {
              res.writeHead(answer.statusCode ?? 502, answer.headers)
              answer.pipe(res)
            },
          )
          upstream.on('error', (error) => res.writeHead(502).end(String(error)))
          req.pipe(upstream)
        },
      )
      await new Promise<void>((resolve, reject) => {
        frontServer.once('error', reject)
        frontServer.listen(443, gateway, resolve)
      })
      cleanup.push(() => void frontServer.close())
      await within(30_000, 'Pebble answering through the front', async () => {
        const body = await fetchDirectory(gateway)
        if (!body.includes('newOrder')) throw new Error(`not a directory: ${body.replace(/\s+/g, ' ').slice(0, 400)}`)
        return true
      })

      const project = (await app.call(root, 'POST', '/api/v1/projects', { name: 'acme' })).body.uuid
      const d = await app.call(root, 'POST', `/api/v1/projects/${project}/domains`, { domain, tls: true })
      assert.equal(d.status, 201, JSON.stringify(d.body))
      const target = { url: `http://${gateway}:${(site.address() as AddressInfo).port}` }
      assert.equal((await app.call(root, 'POST', `/api/v1/domains/${d.body.id}/routes`, { target })).status, 201)

      let seen = ''
      const issuedMs = await within(90_000, 'the route serving a certificate Pebble issued', async () => {
        const res = await proxyRequest(traefik.ip, domain, '/', { https: true })
        seen = `${res.status} ${res.text.slice(0, 40)}, certificate of ${res.certAltNames} from ${res.certIssuer}`
        return res.text === 'secured' && /Pebble/.test(res.certIssuer ?? '') && res.certAltNames === `DNS:${domain}`
      }).catch((error: Error) => {
        const log = readTraefikLog(traefik.logPath).slice(-15).join('\n')
        throw new Error(`${error.message}; last answer: ${seen}; the end of Traefik's log:\n${log}`)
      })
      t.diagnostic(`certificate issued and served ${issuedMs.toFixed(0)} ms after the route was created`)
      assert.deepEqual(traefik.errorLines(), [], 'no error in Traefik’s log, ACME included')
    } finally {
      for (const step of cleanup.reverse()) await step()
    }
  })
})

/** Pebble's directory through the front, as Traefik's ACME client asks for it (trusting any certificate here). */
function fetchDirectory(gateway: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: gateway,
        port: 443,
        path: '/directory',
        // Pebble refuses a request without one, as RFC 8555 says a server may.
        headers: { 'user-agent': 'berth-test' },
        servername: LE_HOST,
        rejectUnauthorized: false,
        timeout: 3000,
      },
      (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve(body))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end()
  })
}

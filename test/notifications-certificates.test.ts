import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type Server } from 'node:tls'
import { after, before, describe, it } from 'node:test'
import { waitFor } from './support/docker.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { startReceiver } from './support/notify-receiver.js'
import { issueTestCertificate } from './support/test-certs.js'

describe('TLS certificate expiry', () => {
  let t: TestApp
  let owner: string
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let site: Server
  let certDir: string

  before(async () => {
    receiver = await startReceiver()
    certDir = mkdtempSync(join(tmpdir(), 'berth-expiring-'))
    // A certificate the test made that expires in two days, served by a real TLS server.
    const cert = issueTestCertificate(certDir, { name: 'shop', altNames: ['DNS:shop.example.com'], days: 2 })
    site = createServer({ key: readFileSync(cert.key), cert: readFileSync(cert.cert) }, (s) => s.end())
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
    t = await startTestApp()
    owner = await t.token(['root', 'instance'])
  })
  after(async () => {
    await t.close()
    await receiver.close()
    site.close()
    rmSync(certDir, { recursive: true, force: true })
  })

  it("tells the team's channels of a certificate expiring within the threshold, not of one further out", async () => {
    await t.call(owner, 'PUT', '/api/v1/settings', { letsencrypt_email: 'ops@example.com' })
    const project = (await t.call(owner, 'POST', '/api/v1/projects', { name: 'shop' })).body.uuid
    const domain = await t.call(owner, 'POST', `/api/v1/projects/${project}/domains`, {
      domain: 'shop.example.com',
      tls: true,
    })
    assert.equal(domain.status, 201, JSON.stringify(domain.body))
    const ch = await t.call(owner, 'POST', '/api/v1/notifications/channels', {
      name: 'certs',
      type: 'webhook',
      url: receiver.url('/certs'),
      events: ['certificate.expiring'],
    })
    assert.equal(ch.status, 201, JSON.stringify(ch.body))
    // The domain does not resolve here: the check connects to the test's server with its name (SNI).
    const port = (site.address() as AddressInfo).port
    const connectTo = () => ({ host: '127.0.0.1', port })
    await t.app.notifications.checkCertificates(1, connectTo)
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal(receiver.to('/certs').length, 0, 'two days left is not within one day')
    await t.app.notifications.checkCertificates(14, connectTo)
    const [got] = await waitFor(
      'the expiry message',
      async () => receiver.to('/certs').length > 0 && receiver.to('/certs'),
    )
    assert.equal(got!.body.event, 'certificate.expiring')
    assert.match(got!.body.summary, /^The TLS certificate of shop\.example\.com expires in [12] days?$/)
    const left = Date.parse(got!.body.subject.expires_at) - Date.now()
    assert.ok(left > 86_400_000 && left <= 2 * 86_400_000, 'the date read is the certificate of the test')
  })
})

import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import { bodyFor, htmlFor, maskUrl, renderDeployment, signatureHeader, withGrouped } from './notifications.render.js'
import type { NotificationPayload } from './notifications.types.js'

const deployment: NonNullable<NotificationPayload['deployment']> = {
  id: 'd-1',
  action: 'deploy',
  status: 'failed',
  message: 'health check failed: container app-1 is unhealthy',
  resource: { type: 'service', id: 's-1', name: 'api' },
  project: 'shop',
  server: 'edge-1',
  last_log_lines: ['starting', 'fatal: no config'],
}

describe('notification messages', () => {
  it('says what failed, where, why, links to it and quotes the last log lines', () => {
    const r = renderDeployment({ event: 'deployment.failed', deployment, publicUrl: 'https://berth.example.com' })
    assert.equal(r.summary, 'Deployment of service api (project shop) failed its health check')
    assert.equal(r.link, 'https://berth.example.com/deployments/d-1')
    assert.equal(
      r.text,
      [
        r.summary,
        'Server: edge-1',
        'Message: health check failed: container app-1 is unhealthy',
        'Deployment: https://berth.example.com/deployments/d-1',
        '',
        'Last 2 log lines:',
        '  starting',
        '  fatal: no config',
      ].join('\n'),
    )
  })

  it('links by path without a public URL, and leaves log lines out of a success', () => {
    const r = renderDeployment({
      event: 'deployment.recovered',
      deployment: { ...deployment, action: 'restart', status: 'finished', message: '1 container is up' },
      publicUrl: undefined,
    })
    assert.equal(r.summary, 'Restart deployment of service api (project shop) succeeded again after failing')
    assert.equal(r.link, '/deployments/d-1')
    assert.ok(!r.text.includes('log lines'))
  })

  it('wraps the text for Slack and Discord (cut at 2,000 characters) and sends webhooks the payload', () => {
    const payload = { text: 'x'.repeat(2500), summary: 's' } as NotificationPayload
    assert.deepEqual(Object.keys(JSON.parse(bodyFor('slack', payload))), ['text'])
    assert.equal(JSON.parse(bodyFor('discord', payload)).content.length, 2000)
    assert.equal(JSON.parse(bodyFor('webhook', payload)).summary, 's')
  })

  it('signs "<ts>.<body>" with HMAC-SHA256', () => {
    const expected = createHmac('sha256', 'k').update('1700000000.{"a":1}').digest('hex')
    assert.equal(signatureHeader('k', '{"a":1}', 1700000000), `t=1700000000,v1=${expected}`)
  })

  it("escapes the e-mail's HTML part and links only to http(s) addresses", () => {
    const payload = { summary: 'a <b>', text: '<script>x</script> & more', link: 'https://b.example.com/d?x=1&y=2' }
    const html = htmlFor(payload as NotificationPayload)
    assert.ok(html.includes('<h2 style="font-size:16px">a &lt;b&gt;</h2>'))
    assert.ok(html.includes('&lt;script&gt;x&lt;/script&gt; &amp; more') && !html.includes('<script>'))
    assert.ok(html.includes('<a href="https://b.example.com/d?x=1&amp;y=2">'))
    assert.ok(!htmlFor({ ...payload, link: '/deployments/d-1' } as NotificationPayload).includes('<a '))
  })

  it('says how many events a grouped message stands for', () => {
    const payload = { text: 'latest' } as NotificationPayload
    assert.equal(withGrouped(payload, 0), payload)
    assert.match(withGrouped(payload, 1).text, /^latest\n\n\(1 more event of this resource/)
  })

  it('masks a URL down to its scheme and host', () => {
    assert.equal(maskUrl('https://hooks.slack.com/services/T0/B0/secret'), 'https://hooks.slack.com/…')
  })
})

import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import { bodyFor, maskUrl, renderDeployment, signatureHeader } from './notifications.render.js'
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

  it('masks a URL down to its scheme and host', () => {
    assert.equal(maskUrl('https://hooks.slack.com/services/T0/B0/secret'), 'https://hooks.slack.com/…')
  })
})

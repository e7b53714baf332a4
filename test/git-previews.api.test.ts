// Preview bookkeeping without a build: which pull/merge request events make a preview, and that
// deleting the previewed service takes its previews (services and domains) with it. The repository
// is unreachable, so the queued builds fail at once; what is checked is what Berth records.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { waitFor } from './support/docker.js'
import { SAMPLE_COMPOSE, startTestApp, type TestApp } from './support/harness.js'

describe('preview bookkeeping', () => {
  let t: TestApp
  let root: string
  let projectId: string
  let serviceId: string
  let secret: string

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'previews-api' })).body.uuid
    serviceId = (
      await t.call(root, 'POST', `/api/v1/projects/${projectId}/services`, { name: 'shop', compose: SAMPLE_COMPOSE })
    ).body.uuid
    const put = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/git`, {
      repo_url: 'http://127.0.0.1:9/shop.git',
      dockerfile_path: 'Dockerfile',
      compose_service: 'web',
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    secret = (await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/webhook-secret`)).body.secret
  })
  after(() => t.close())

  const pullRequest = async (action: string, number: number, base = 'main') => {
    const body = JSON.stringify({
      action,
      number,
      pull_request: { head: { ref: `topic-${number}`, sha: 'e'.repeat(40) }, base: { ref: base } },
    })
    const signature = createHmac('sha256', secret).update(body).digest('hex')
    const res = await t.server.inject({
      method: 'POST',
      url: `/api/v1/webhooks/git/${serviceId}`,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-hub-signature-256': `sha256=${signature}`,
      },
      payload: body,
    })
    assert.equal(res.statusCode, 202, res.body)
    return res.json()
  }
  const domains = async () =>
    (await t.call(root, 'GET', `/api/v1/projects/${projectId}/domains`)).body.domains.map((d: any) => d.full_domain)

  it('makes no preview while previews are off, nor for a request into another branch', async () => {
    assert.match((await pullRequest('opened', 1)).message, /previews are off/)
    const on = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/git`, {
      repo_url: 'http://127.0.0.1:9/shop.git',
      dockerfile_path: 'Dockerfile',
      compose_service: 'web',
      preview_domain: 'preview.shop.test',
      preview_port: 80,
    })
    assert.equal(on.status, 200, JSON.stringify(on.body))
    assert.match((await pullRequest('opened', 2, 'release')).message, /goes into release, not main/)
    assert.deepEqual((await t.call(root, 'GET', `/api/v1/services/${serviceId}/git`)).body.previews, [])
    assert.deepEqual(await domains(), [])
  })

  it('refuses preview settings without a port with 400', async () => {
    const res = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/git`, {
      repo_url: 'http://127.0.0.1:9/shop.git',
      dockerfile_path: 'Dockerfile',
      preview_domain: 'preview.shop.test',
    })
    assert.equal(res.status, 400)
    assert.match(JSON.stringify(res.body), /preview_domain and preview_port/)
  })

  it('records a preview service and its pr-<n> domain, and removes both with the service', async () => {
    const opened = await pullRequest('opened', 3)
    assert.equal(opened.queued, true)
    const [preview] = (await t.call(root, 'GET', `/api/v1/services/${serviceId}/git`)).body.previews
    assert.equal(preview.host, 'pr-3.preview.shop.test')
    assert.deepEqual(await domains(), ['pr-3.preview.shop.test'])
    const previewSource = (await t.call(root, 'GET', `/api/v1/services/${preview.service_uuid}/git`)).body
    assert.deepEqual([previewSource.branch, previewSource.preview_of], ['topic-3', serviceId])
    // A second event for the same request reuses the preview.
    await pullRequest('synchronize', 3)
    assert.equal((await t.call(root, 'GET', `/api/v1/services/${serviceId}/git`)).body.previews.length, 1)

    assert.equal((await t.call(root, 'DELETE', `/api/v1/services/${serviceId}`)).status, 204)
    // The previews go in a listener of the deletion, after its commit.
    await waitFor(
      'the preview service to be deleted with the service it previews',
      async () => (await t.call(root, 'GET', `/api/v1/services/${preview.service_uuid}`)).status === 404,
      10_000,
    )
    assert.deepEqual(await domains(), [])
    const audit = (await t.call(root, 'GET', '/api/v1/audit?action=git_source.preview_closed')).body.items
    assert.equal(audit.length, 1)
  })
})

import assert from 'node:assert/strict'
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startTestApp, type TestApp } from './support/harness.js'
import { demoTemplateDir } from './support/template-fixtures.js'

// A 1x1 PNG: what the template's logo host serves (a real HTTP server on loopback).
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

describe('template logos served by Berth', () => {
  let t: TestApp
  let token: string
  let host: Server
  let requests = 0
  let dir: string

  before(async () => {
    host = createServer((request, response) => {
      requests++
      if (request.url === '/logo.png') response.writeHead(200, { 'content-type': 'image/png' }).end(PNG)
      else response.writeHead(200, { 'content-type': 'text/html' }).end('<p>not an image</p>')
    })
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(host.address() as AddressInfo).port}`
    dir = demoTemplateDir()
    const manifestPath = join(dir, 'berth-test-demo', 'template.json')
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, logo: `${base}/logo.png` }))
    // A second template whose logo URL answers a page, not an image.
    const other = join(dir, 'berth-test-other')
    cpSync(join(dir, 'berth-test-demo'), other, { recursive: true })
    writeFileSync(
      join(other, 'template.json'),
      JSON.stringify({ ...manifest, id: 'berth-test-other', name: 'Quiet other', logo: `${base}/page` }),
    )
    t = await startTestApp({ BERTH_TEMPLATE_DIRS: dir })
    token = await t.token(['read'])
  })
  after(async () => {
    await t.close()
    await new Promise((resolve) => host.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  const logo = (id: string) =>
    t.server.inject({
      method: 'GET',
      url: `/api/v1/templates/${id}/logo`,
      headers: { authorization: `Bearer ${token}` },
    })

  it("serves the logo from the template's URL, fetched once, from Berth's own origin", async () => {
    const first = await logo('berth-test-demo')
    assert.equal(first.statusCode, 200)
    assert.equal(first.headers['content-type'], 'image/png')
    assert.deepEqual(first.rawPayload, PNG)
    const second = await logo('berth-test-demo')
    assert.deepEqual(second.rawPayload, PNG)
    assert.equal(requests, 1, 'fetched once, then kept')
  })

  it('draws a letter badge when the URL gives no image, and answers 404 for an unknown template', async () => {
    const badge = await logo('berth-test-other')
    assert.equal(badge.statusCode, 200)
    assert.equal(badge.headers['content-type'], 'image/svg+xml')
    assert.match(badge.body, /^<svg [^>]*>.*>Q<\/text><\/svg>$/)
    assert.match(String(badge.headers['content-security-policy']), /sandbox/)
    assert.equal((await logo('no-such-template')).statusCode, 404)
  })
})

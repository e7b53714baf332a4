// A service created from a template whose code comes from Git (a Dockerfile build runs as one of
// its compose services): upgrading the template writes the template's new file, and the service
// keeps running the image Berth built for it rather than the template's image.
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, describe, it } from 'node:test'
import { startTestApp, startTestAppIn, type TestApp } from './support/harness.js'
import { demoTemplateDir, writeDemoTemplate } from './support/template-fixtures.js'

describe('a templated service built from Git, upgraded', () => {
  const dir = demoTemplateDir('1.0.0')
  let t: TestApp
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it("keeps the built image of compose_service through a template upgrade, and the rest of the template's file", async () => {
    t = await startTestApp({ BERTH_TEMPLATE_DIRS: dir })
    const root = await t.token(['root'])
    const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'git-templates' })).body.uuid
    const created = await t.call(root, 'POST', `/api/v1/projects/${projectId}/templates/berth-test-demo`, {
      name: 'demo',
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body.service.uuid
    const put = await t.call(root, 'PUT', `/api/v1/services/${id}/git`, {
      repo_url: 'https://git.example.test/acme/demo.git',
      dockerfile_path: 'Dockerfile',
      compose_service: 'web',
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    // What a build writes: the compose version that runs the built image (see importBuild).
    const built = `berth/${id}:${'a'.repeat(40)}`
    const current = (await t.call(root, 'GET', `/api/v1/services/${id}/compose`)).body
    const withBuild = await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, {
      yaml: current.yaml.replace(/image: .*/, `image: ${built}`),
      base_version: current.version,
    })
    assert.equal(withBuild.status, 200, JSON.stringify(withBuild.body))

    // A newer Berth ships the template's version 1.1.0.
    await t.server.close()
    await t.app.close()
    writeDemoTemplate(dir, '1.1.0')
    t = await startTestAppIn(t.dataDir, { BERTH_TEMPLATE_DIRS: dir })
    const upgraded = await t.call(root, 'POST', `/api/v1/services/${id}/template/upgrade`, {})
    assert.equal(upgraded.status, 200, JSON.stringify(upgraded.body))
    const after = (await t.call(root, 'GET', `/api/v1/services/${id}/compose`)).body
    assert.match(after.yaml, new RegExp(`image: ${built}`), 'the built image stays')
    assert.match(after.yaml, /APP_GREETING: "\{\{berth\.greeting\}\}"/, "the template's new version is written")
    assert.match(after.rendered_yaml, /APP_GREETING: "hello"/)
  })
})

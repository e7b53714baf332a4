// Previews of a service created from a template, and of requests from forks, without a build (the
// repository is unreachable, so queued builds fail at once): what Berth records for the preview.
// A template's parameters go with the preview (its `domain` names the preview's host); a fork's
// preview is built from the fork and, unless the service allows it, gets none of its secrets.
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { bitbucketPullRequest, deliver } from './support/git-forge.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { demoTemplateDir } from './support/template-fixtures.js'

const REPO = 'https://git.example.test/acme/demo.git'

describe('previews of a templated service and of requests from forks', () => {
  const dir = demoTemplateDir('1.0.0')
  let t: TestApp
  let root: string
  let serviceId: string
  let secret: string
  let appSecret: string

  before(async () => {
    t = await startTestApp({ BERTH_TEMPLATE_DIRS: dir })
    root = await t.token(['root'])
    const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'previews-forks' })).body.uuid
    const created = await t.call(root, 'POST', `/api/v1/projects/${projectId}/templates/berth-test-demo`, {
      name: 'demo',
      parameters: { title: 'Mine' },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    serviceId = created.body.service.uuid
    appSecret = (await t.call(root, 'GET', `/api/v1/services/${serviceId}/env`)).body.env.APP_SECRET.value
    // The application's own address, as templates take it: a `domain` parameter.
    const param = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/parameters`, {
      parameters: { domain: { type: 'string', value: 'demo.example.com' } },
      base_version: 1,
    })
    assert.equal(param.status, 200, JSON.stringify(param.body))
    const current = (await t.call(root, 'GET', `/api/v1/services/${serviceId}/compose`)).body
    const edited = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/compose`, {
      yaml: current.yaml.replace('    environment:\n', '    environment:\n      APP_URL: https://{{berth.domain}}\n'),
      base_version: current.version,
    })
    assert.equal(edited.status, 200, JSON.stringify(edited.body))
    await t.call(root, 'PUT', `/api/v1/services/${serviceId}/env`, { PLAIN: { value: 'visible', secret: false } })
    assert.equal((await source()).status, 200)
    secret = (await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/webhook-secret`)).body.secret
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const source = (extra: object = {}) =>
    t.call(root, 'PUT', `/api/v1/services/${serviceId}/git`, {
      repo_url: REPO,
      dockerfile_path: 'Dockerfile',
      compose_service: 'web',
      auth: 'token',
      https_token: 'acme-token-123456',
      build_secrets: { NPM_TOKEN: 'npm-secret-abcdef' },
      preview_domain: 'preview.example.com',
      preview_port: 80,
      ...extra,
    })
  // Bitbucket's pull request event (signed as it signs them); `fork` names the source repository.
  const bitbucket = async (number: number, fork: string | null) => {
    const repository = (name: string) => ({ fullName: name, webUrl: `https://git.example.test/${name}` })
    const request = bitbucketPullRequest(
      {
        id: number,
        branch: `topic-${number}`,
        source: repository(fork ?? 'acme/demo'),
        destination: repository('acme/demo'),
      },
      secret,
    )
    const res = await deliver(t.server, serviceId, request)
    assert.equal(res.statusCode, 202, res.body)
    const previews = (await t.call(root, 'GET', `/api/v1/services/${serviceId}/git`)).body.previews
    const preview = previews.find((p: { number: number }) => p.number === number)
    assert.ok(preview, `request #${number} has a preview: ${res.body}`)
    const id = preview.service_uuid
    return {
      preview,
      source: (await t.call(root, 'GET', `/api/v1/services/${id}/git`)).body,
      env: (await t.call(root, 'GET', `/api/v1/services/${id}/env`)).body.env,
      compose: (await t.call(root, 'GET', `/api/v1/services/${id}/compose`)).body,
    }
  }

  it("renders a templated service's preview with its parameters, its domain the preview's host", async () => {
    const { preview, source: previewSource, env, compose } = await bitbucket(1, null)
    assert.equal(preview.fork, null)
    assert.match(compose.rendered_yaml, /APP_TITLE: "Mine"/)
    assert.match(compose.rendered_yaml, /APP_URL: https:\/\/pr-1\.preview\.example\.com/)
    assert.match(compose.yaml, /APP_URL: https:\/\/\{\{berth\.domain\}\}/, 'still a template')
    assert.equal(env.APP_SECRET.value, appSecret, "the template's generated secret goes with it")
    assert.deepEqual([previewSource.repo_url, previewSource.auth], [REPO, 'token'])
    assert.deepEqual(previewSource.build_secret_names, ['NPM_TOKEN'])
  })

  it("records the fork as the preview's repository, without the service's secrets", async () => {
    const { preview, source: previewSource, env } = await bitbucket(2, 'eve/demo')
    assert.equal(preview.fork, 'https://git.example.test/eve/demo.git')
    assert.equal(previewSource.repo_url, 'https://git.example.test/eve/demo.git')
    assert.equal(previewSource.auth, 'token', 'the same host: the token fetches the fork (it never reaches the build)')
    assert.deepEqual(previewSource.build_secret_names, [])
    assert.equal(env.APP_SECRET, undefined)
    assert.equal(env.PLAIN.value, 'visible')
    const audit = (await t.call(root, 'GET', '/api/v1/audit?action=git_source.preview_opened')).body.items
    assert.deepEqual(
      audit.find((a: any) => a.details.number === 2).details.fork,
      'https://git.example.test/eve/demo.git',
    )
  })

  it("makes no preview of a fork's compose file while the service does not trust forks", async () => {
    const composeMode = { dockerfile_path: undefined, compose_path: 'compose.yaml' }
    assert.equal((await source(composeMode)).status, 200)
    const repository = (name: string) => ({ fullName: name, webUrl: `https://git.example.test/${name}` })
    const request = bitbucketPullRequest(
      { id: 4, branch: 'topic-4', source: repository('eve/demo'), destination: repository('acme/demo') },
      secret,
    )
    const res = await deliver(t.server, serviceId, request)
    assert.equal(res.statusCode, 202, res.body)
    assert.deepEqual([res.json().queued, res.json().message.includes("with the host's privileges")], [false, true])
    const previews = (await t.call(root, 'GET', `/api/v1/services/${serviceId}/git`)).body.previews
    assert.ok(!previews.some((p: { number: number }) => p.number === 4))
  })

  it("gives a fork's preview the secrets when the service allows it", async () => {
    assert.equal((await source({ preview_fork_secrets: true })).body.preview_fork_secrets, true)
    const audit = (await t.call(root, 'GET', `/api/v1/audit?action=git_source.updated&resource_id=${serviceId}`)).body
    assert.equal(audit.items[0].details.preview_fork_secrets, true, 'trusting forks is on the record')
    const { source: previewSource, env } = await bitbucket(3, 'eve/demo')
    assert.deepEqual(previewSource.build_secret_names, ['NPM_TOKEN'])
    assert.equal(env.APP_SECRET.value, appSecret)
  })
})

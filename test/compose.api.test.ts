import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SAMPLE_COMPOSE, composeWithPort, startTestApp, type TestApp } from './support/harness.js'
import { aliasBomb } from './support/fuzz.js'

describe('configuration store over HTTP', () => {
  let t: TestApp
  let root: string
  let projectId: string

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'shop', description: 'the shop' })).body.uuid
  })
  after(() => t.close())

  async function newService(name: string, compose = SAMPLE_COMPOSE): Promise<string> {
    const res = await t.call(root, 'POST', `/api/v1/projects/${projectId}/services`, { name, compose })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body.uuid
  }

  it('creates, lists, renames and deletes projects, with 409 on a duplicate name', async () => {
    const created = await t.call(root, 'POST', '/api/v1/projects', { name: 'temp' })
    assert.equal(created.status, 201)
    assert.equal((await t.call(root, 'POST', '/api/v1/projects', { name: 'temp' })).body.error.code, 'name_taken')
    const list = await t.call(root, 'GET', '/api/v1/projects')
    assert.ok(list.body.projects.some((p: any) => p.uuid === created.body.uuid))
    const renamed = await t.call(root, 'PATCH', `/api/v1/projects/${created.body.uuid}`, { name: 'temp2' })
    assert.equal(renamed.body.name, 'temp2')
    assert.equal((await t.call(root, 'DELETE', `/api/v1/projects/${created.body.uuid}`)).status, 204)
    assert.equal((await t.call(root, 'GET', `/api/v1/projects/${created.body.uuid}`)).status, 404)
  })

  it('creates a service at version 1 and shows it in its project', async () => {
    const id = await newService('web')
    const current = await t.call(root, 'GET', `/api/v1/services/${id}/compose`)
    assert.equal(current.body.version, 1)
    assert.equal(current.body.yaml, SAMPLE_COMPOSE)
    assert.match(current.body.sha256, /^[0-9a-f]{64}$/)
    const project = await t.call(root, 'GET', `/api/v1/projects/${projectId}`)
    assert.ok(project.body.services.some((s: any) => s.uuid === id && s.current_version === 1))
  })

  it('rejects a service name that is not a DNS label, and a duplicate name', async () => {
    const bad = await t.call(root, 'POST', `/api/v1/projects/${projectId}/services`, {
      name: 'Web_App',
      compose: SAMPLE_COMPOSE,
    })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.code, 'invalid_name')
    await newService('dupe')
    const dupe = await t.call(root, 'POST', `/api/v1/projects/${projectId}/services`, {
      name: 'dupe',
      compose: SAMPLE_COMPOSE,
    })
    assert.equal(dupe.status, 409)
  })

  it('keeps an immutable history: three updates, list, get, diff, rollback', async () => {
    const id = await newService('history')
    for (let v = 1; v <= 3; v++) {
      const res = await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, {
        yaml: composeWithPort(9000 + v),
        base_version: v,
        description: `port ${9000 + v}`,
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.version, v + 1)
    }
    const history = await t.call(root, 'GET', `/api/v1/services/${id}/compose/versions`)
    assert.deepEqual(
      history.body.versions.map((v: any) => v.version),
      [4, 3, 2, 1],
    )
    assert.equal(history.body.versions[0].description, 'port 9003')
    assert.ok(history.body.versions[0].author_name.includes('@example.com'))

    const v2 = await t.call(root, 'GET', `/api/v1/services/${id}/compose/versions/2`)
    const beyond = await t.call(root, 'GET', `/api/v1/services/${id}/compose/versions/2147483648`)
    assert.equal(beyond.status, 400, 'a version beyond the column range is refused, never a 500 on PostgreSQL')
    assert.match(v2.body.yaml, /9001:80/)

    const diff = await t.call(root, 'GET', `/api/v1/services/${id}/compose/diff?from=2&to=4`)
    assert.match(diff.body.diff, /^-\s+- "9001:80"$/m)
    assert.match(diff.body.diff, /^\+\s+- "9003:80"$/m)

    const rollback = await t.call(root, 'POST', `/api/v1/services/${id}/compose/rollback`, { version: 2 })
    assert.equal(rollback.status, 201)
    assert.equal(rollback.body.version, 5)
    const current = await t.call(root, 'GET', `/api/v1/services/${id}/compose`)
    assert.equal(current.body.version, 5)
    assert.equal(current.body.yaml, v2.body.yaml)
    assert.equal(current.body.description, 'Rollback to version 2')
    assert.equal(current.body.sha256, v2.body.sha256)
    assert.equal(
      (await t.call(root, 'GET', `/api/v1/services/${id}/compose/versions/2`)).body.yaml,
      v2.body.yaml,
      'old versions never change',
    )
  })

  it('answers a stale base version with 409 version_conflict and the current version', async () => {
    const id = await newService('stale')
    await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, { yaml: composeWithPort(9100), base_version: 1 })
    const stale = await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, {
      yaml: composeWithPort(9101),
      base_version: 1,
    })
    assert.equal(stale.status, 409)
    assert.equal(stale.body.error.code, 'version_conflict')
    assert.equal(stale.body.error.details.current_version, 2)
    assert.match((await t.call(root, 'GET', `/api/v1/services/${id}/compose`)).body.yaml, /9100:80/)
  })

  it('gives exactly one success and 49 conflicts for 50 concurrent updates from one base, with no gaps', async () => {
    const id = await newService('race')
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.call(root, 'PUT', `/api/v1/services/${id}/compose`, { yaml: composeWithPort(10000 + i), base_version: 1 }),
      ),
    )
    assert.equal(results.filter((r) => r.status === 200).length, 1)
    assert.equal(results.filter((r) => r.status === 409).length, 49)
    const versions = (await t.call(root, 'GET', `/api/v1/services/${id}/compose/versions`)).body.versions.map(
      (v: any) => v.version,
    )
    assert.deepEqual(versions, [2, 1])
  })

  it('rejects an invalid compose file with 422 and actionable paths and lines, storing nothing', async () => {
    const id = await newService('invalid')
    const bad = SAMPLE_COMPOSE.replace('"8080:80"', '"80:abc"')
    const res = await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, { yaml: bad, base_version: 1 })
    assert.equal(res.status, 422)
    assert.equal(res.body.error.code, 'invalid_compose')
    const issue = res.body.error.details.issues[0]
    assert.equal(issue.path, 'services.web.ports[0]')
    assert.match(issue.message, /"80:abc" is not a valid port mapping/)
    assert.equal(issue.line, 6)
    assert.equal((await t.call(root, 'GET', `/api/v1/services/${id}/compose`)).body.version, 1)
    const noImage = await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, {
      yaml: 'services:\n  web:\n    command: true\n',
      base_version: 1,
    })
    assert.equal(noImage.body.error.details.issues[0].path, 'services.web')
  })

  it('rejects a YAML bomb with 422 and stores nothing', async () => {
    const id = await newService('bomb')
    const bomb = aliasBomb(9, 9)
    const res = await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, { yaml: bomb, base_version: 1 })
    assert.equal(res.status, 422)
    assert.match(JSON.stringify(res.body), /too many alias expansions/)
    assert.equal((await t.call(root, 'GET', `/api/v1/services/${id}/compose`)).body.version, 1, 'nothing stored')
  })

  it('rejects a compose file over 1 MiB with 422', async () => {
    const id = await newService('huge')
    const res = await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, {
      yaml: `${SAMPLE_COMPOSE}# ${'x'.repeat(1024 * 1024)}\n`,
      base_version: 1,
    })
    assert.equal(res.status, 422)
    assert.match(res.body.error.message, /MiB|too large|size/i)
  })

  it('renders typed parameters and records a version naming the parameter', async () => {
    const withRefs = SAMPLE_COMPOSE.replace(
      'traefik.enable: "true"',
      'traefik.acme: "{{berth.letsencrypt_email}}"\n      replicas-hint: "{{ berth.replicas }}"',
    )
    const undefinedParam = await t.call(root, 'POST', `/api/v1/projects/${projectId}/services`, {
      name: 'params',
      compose: withRefs,
    })
    assert.equal(undefinedParam.status, 422, 'a file naming an undefined parameter is refused')
    assert.match(undefinedParam.body.error.message, /letsencrypt_email/)
    const svc = await newService('params2')
    const set = await t.call(root, 'PUT', `/api/v1/services/${svc}/parameters`, {
      parameters: {
        letsencrypt_email: { type: 'string', value: 'ops@example.com' },
        replicas: { type: 'integer', value: 3 },
      },
    })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    const saved = await t.call(root, 'PUT', `/api/v1/services/${svc}/compose`, { yaml: withRefs, base_version: 2 })
    assert.equal(saved.status, 200, JSON.stringify(saved.body))
    const changed = await t.call(root, 'PUT', `/api/v1/services/${svc}/parameters`, {
      parameters: { letsencrypt_email: { type: 'string', value: 'new@example.com' } },
    })
    assert.equal(changed.body.version, 4)
    const current = await t.call(root, 'GET', `/api/v1/services/${svc}/compose`)
    assert.equal(current.body.description, 'Changed parameter letsencrypt_email')
    assert.match(current.body.rendered_yaml, /traefik\.acme: "new@example\.com"/)
    assert.match(current.body.rendered_yaml, /replicas-hint: "3"/)
    assert.match(current.body.yaml, /\{\{berth\.letsencrypt_email\}\}/)
    const typeError = await t.call(root, 'PUT', `/api/v1/services/${svc}/parameters`, {
      parameters: { replicas: { type: 'integer', value: 'three' } },
    })
    assert.equal(typeError.status, 400)
    assert.equal(typeError.body.error.code, 'invalid_parameters')
    const stillUsed = await t.call(root, 'PUT', `/api/v1/services/${svc}/parameters`, {
      parameters: { replicas: null },
    })
    assert.equal(stillUsed.status, 422, 'removing a parameter the file uses is refused')
    const rolledBack = await t.call(root, 'POST', `/api/v1/services/${svc}/compose/rollback`, { version: 3 })
    assert.equal(rolledBack.status, 201)
    const params = await t.call(root, 'GET', `/api/v1/services/${svc}/parameters`)
    assert.equal(
      params.body.parameters.find((p: any) => p.name === 'letsencrypt_email').value,
      'ops@example.com',
      'rollback restores parameter values',
    )
    const renderedDiff = await t.call(root, 'GET', `/api/v1/services/${svc}/compose/diff?from=3&to=4&rendered=true`)
    assert.match(renderedDiff.body.diff, /\+.*new@example\.com/)
  })

  it('updates and deletes a service, and 404s afterwards', async () => {
    const id = await newService('short-lived')
    const patched = await t.call(root, 'PATCH', `/api/v1/services/${id}`, { description: 'temporary' })
    assert.equal(patched.body.description, 'temporary')
    assert.equal((await t.call(root, 'DELETE', `/api/v1/services/${id}`)).status, 204)
    assert.equal((await t.call(root, 'GET', `/api/v1/services/${id}/compose`)).status, 404)
  })

  it('returns 404 for unknown versions and 400 for malformed ids', async () => {
    const id = await newService('lookups')
    assert.equal((await t.call(root, 'GET', `/api/v1/services/${id}/compose/versions/99`)).status, 404)
    assert.equal((await t.call(root, 'GET', `/api/v1/services/${id}/compose/diff?from=1&to=99`)).status, 404)
    assert.equal((await t.call(root, 'GET', '/api/v1/services/not-a-uuid')).status, 400)
  })
})

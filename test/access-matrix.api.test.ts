// Walks every operation of the OpenAPI document with four callers: nobody, another team's owner,
// a viewer of the team, and the team's owner without the instance role. Each operation has a
// declared expectation below; an operation without one fails the test, so the matrix stays
// complete as routes are added.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestApp, type TestApp } from './support/harness.js'

/**
 * The ability a route declares, and how its data relates to teams:
 * - scoped: the path names a resource of the team (another team gets 404, never 403 or data)
 * - team: the team's own list or a create in the team (another team sees only its own data)
 * - self: about the caller (identity, password, teams); not called as another caller (it may log out or leave)
 * - stream: Server-Sent Events; only refusals are checked (an allowed call never ends)
 * - instance: instance-wide (settings, Berth's backups, proxy as a whole, teams, users)
 * - public: anyone
 * - signed: anyone may call, but the route checks its own credential (a webhook's signature, a
 *   deploy token): a session or API token is no substitute, so every caller here gets 401
 */
type Scope = 'scoped' | 'team' | 'self' | 'stream' | 'instance' | 'public' | 'signed'
type Expectation = [ability: string, scope: Scope]

const MATRIX: Record<string, Expectation> = {
  'GET /health': ['public', 'public'],
  'GET /health/live': ['public', 'public'],
  'GET /api/v1/version': ['public', 'public'],
  'GET /metrics': ['public', 'public'],
  'POST /api/v1/auth/login': ['public', 'public'],
  'GET /api/v1/auth/status': ['public', 'public'],
  'POST /api/v1/auth/logout': ['read', 'self'],
  'GET /api/v1/me': ['read', 'self'],
  'GET /api/v1/tokens': ['read', 'team'],
  'POST /api/v1/tokens': ['write', 'team'],
  'DELETE /api/v1/tokens/{id}': ['write', 'scoped'],
  'GET /api/v1/teams': ['read', 'self'],
  'POST /api/v1/teams': ['instance', 'instance'],
  'GET /api/v1/instance/teams': ['instance', 'instance'],
  'POST /api/v1/auth/switch-team': ['read', 'self'],
  'GET /api/v1/team/members': ['read', 'team'],
  'PATCH /api/v1/team/members/{uuid}': ['members', 'scoped'],
  'DELETE /api/v1/team/members/{uuid}': ['members', 'scoped'],
  'POST /api/v1/team/leave': ['read', 'self'],
  'POST /api/v1/team/invitations': ['members', 'team'],
  'GET /api/v1/team/invitations': ['members', 'team'],
  'DELETE /api/v1/team/invitations/{uuid}': ['members', 'scoped'],
  'GET /api/v1/invitations/{token}': ['public', 'public'],
  'POST /api/v1/invitations/{token}/accept': ['public', 'public'],
  'GET /api/v1/users': ['instance', 'instance'],
  'PATCH /api/v1/users/{uuid}': ['instance', 'instance'],
  'POST /api/v1/users/{uuid}/password-reset': ['instance', 'instance'],
  'GET /api/v1/password-resets/{token}': ['public', 'public'],
  'POST /api/v1/password-resets/{token}': ['public', 'public'],
  'POST /api/v1/me/password': ['read', 'self'],
  'GET /api/v1/projects': ['read', 'team'],
  'POST /api/v1/projects': ['write', 'team'],
  'GET /api/v1/projects/{uuid}': ['read', 'scoped'],
  'PATCH /api/v1/projects/{uuid}': ['write', 'scoped'],
  'DELETE /api/v1/projects/{uuid}': ['write', 'scoped'],
  'POST /api/v1/projects/{uuid}/services': ['write', 'scoped'],
  'GET /api/v1/services/{uuid}': ['read', 'scoped'],
  'PATCH /api/v1/services/{uuid}': ['write', 'scoped'],
  'DELETE /api/v1/services/{uuid}': ['write', 'scoped'],
  'GET /api/v1/services/{uuid}/terminal': ['terminal', 'scoped'],
  'GET /api/v1/services/{uuid}/logs/stream': ['read:sensitive', 'stream'],
  'GET /api/v1/databases/{uuid}/logs/stream': ['read:sensitive', 'stream'],
  'GET /api/v1/databases/{uuid}/terminal': ['terminal', 'scoped'],
  'GET /api/v1/services/{uuid}/compose': ['read', 'scoped'],
  'PUT /api/v1/services/{uuid}/compose': ['write', 'scoped'],
  'GET /api/v1/services/{uuid}/compose/versions': ['read', 'scoped'],
  'GET /api/v1/services/{uuid}/compose/versions/{n}': ['read', 'scoped'],
  'GET /api/v1/services/{uuid}/compose/diff': ['read', 'scoped'],
  'POST /api/v1/services/{uuid}/compose/rollback': ['write', 'scoped'],
  'POST /api/v1/services/{uuid}/compose/validate': ['read', 'scoped'],
  'GET /api/v1/services/{uuid}/parameters': ['read', 'scoped'],
  'PUT /api/v1/services/{uuid}/parameters': ['write', 'scoped'],
  'GET /api/v1/services/{uuid}/env': ['read', 'scoped'],
  'GET /api/v1/services/{uuid}/git': ['read', 'scoped'],
  'PUT /api/v1/services/{uuid}/git': ['write', 'scoped'],
  'POST /api/v1/services/{uuid}/git/webhook-secret': ['write', 'scoped'],
  'POST /api/v1/services/{uuid}/git/deploy-token': ['write', 'scoped'],
  'POST /api/v1/services/{uuid}/git/deploy': ['deploy', 'scoped'],
  'POST /api/v1/services/{uuid}/git/rollback': ['deploy', 'scoped'],
  'POST /api/v1/webhooks/git/{uuid}': ['public', 'signed'],
  'POST /api/v1/webhooks/git/{uuid}/deploy': ['public', 'signed'],
  'GET /api/v1/registry-credentials': ['read', 'team'],
  'POST /api/v1/registry-credentials': ['write', 'team'],
  'PATCH /api/v1/registry-credentials/{id}': ['write', 'scoped'],
  'DELETE /api/v1/registry-credentials/{id}': ['write', 'scoped'],
  'PUT /api/v1/services/{uuid}/env': ['write', 'scoped'],
  'DELETE /api/v1/services/{uuid}/env/{key}': ['write', 'scoped'],
  'GET /api/v1/audit': ['read', 'team'],
  'GET /api/v1/dashboard': ['read', 'team'],
  'POST /api/v1/backups': ['instance', 'instance'],
  'GET /api/v1/backups': ['instance', 'instance'],
  'GET /api/v1/backups/{id}': ['instance', 'instance'],
  'GET /api/v1/backups/{id}/download': ['instance', 'instance'],
  'GET /api/v1/projects/{uuid}/domains': ['read', 'scoped'],
  'POST /api/v1/projects/{uuid}/domains': ['write', 'scoped'],
  'GET /api/v1/domains/{id}': ['read', 'scoped'],
  'PATCH /api/v1/domains/{id}': ['write', 'scoped'],
  'DELETE /api/v1/domains/{id}': ['write', 'scoped'],
  'GET /api/v1/domains/{id}/routes': ['read', 'scoped'],
  'POST /api/v1/domains/{id}/routes': ['write', 'scoped'],
  'PATCH /api/v1/routes/{id}': ['write', 'scoped'],
  'DELETE /api/v1/routes/{id}': ['write', 'scoped'],
  'GET /api/v1/projects/{uuid}/middlewares': ['read', 'scoped'],
  'POST /api/v1/projects/{uuid}/middlewares': ['write', 'scoped'],
  'PATCH /api/v1/middlewares/{id}': ['write', 'scoped'],
  'DELETE /api/v1/middlewares/{id}': ['write', 'scoped'],
  'GET /api/v1/proxy/status': ['read', 'team'],
  'POST /api/v1/proxy/sync': ['instance', 'instance'],
  'GET /api/v1/proxy/traefik/dynamic': ['proxy:provider', 'instance'],
  'POST /api/v1/proxy/preview': ['write', 'team'],
  'GET /api/v1/proxy/files': ['read', 'team'],
  'GET /api/v1/proxy/files/content': ['read', 'scoped'],
  'GET /api/v1/settings': ['read', 'team'],
  'PUT /api/v1/settings': ['instance', 'instance'],
  'POST /api/v1/deploy': ['deploy', 'team'],
  'GET /api/v1/deploy': ['deploy', 'team'],
  'GET /api/v1/deployments': ['read', 'team'],
  'GET /api/v1/deployments/{uuid}': ['read', 'scoped'],
  'POST /api/v1/deployments/{uuid}/cancel': ['deploy', 'scoped'],
  'GET /api/v1/deployments/{uuid}/logs': ['read:sensitive', 'scoped'],
  'GET /api/v1/deployments/services/{uuid}': ['read', 'scoped'],
  'GET /api/v1/deployments/services/deployment/{uuid}': ['read', 'scoped'],
  'POST /api/v1/services/{uuid}/stop': ['deploy', 'scoped'],
  'POST /api/v1/services/{uuid}/restart': ['deploy', 'scoped'],
  'GET /api/v1/services/{uuid}/logs': ['read:sensitive', 'scoped'],
  'GET /api/v1/services/{uuid}/status': ['read', 'scoped'],
  'GET /api/v1/deployments/databases/{uuid}': ['read', 'scoped'],
  'GET /api/v1/deployments/databases/deployment/{uuid}': ['read', 'scoped'],
  'POST /api/v1/databases/{uuid}/stop': ['deploy', 'scoped'],
  'POST /api/v1/databases/{uuid}/restart': ['deploy', 'scoped'],
  'GET /api/v1/databases/{uuid}/logs': ['read:sensitive', 'scoped'],
  'GET /api/v1/databases/{uuid}/status': ['read', 'scoped'],
  'GET /api/v1/deployments/{uuid}/logs/stream': ['read:sensitive', 'stream'],
  'GET /api/v1/events': ['read', 'stream'],
  'GET /api/v1/services/{uuid}/stats/stream': ['read', 'stream'],
  'GET /api/v1/databases/{uuid}/stats/stream': ['read', 'stream'],
  'GET /api/v1/servers': ['read', 'team'],
  'POST /api/v1/servers': ['write', 'team'],
  'GET /api/v1/servers/{uuid}': ['read', 'scoped'],
  'PATCH /api/v1/servers/{uuid}': ['write', 'scoped'],
  'DELETE /api/v1/servers/{uuid}': ['write', 'scoped'],
  'POST /api/v1/servers/{uuid}/check': ['write', 'scoped'],
  'GET /api/v1/servers/{uuid}/proxy': ['instance', 'instance'],
  'PUT /api/v1/servers/{uuid}/proxy': ['instance', 'instance'],
  'POST /api/v1/servers/{uuid}/proxy/{action}': ['instance', 'instance'],
  'GET /api/v1/servers/{uuid}/proxy/versions': ['instance', 'instance'],
  'GET /api/v1/servers/{uuid}/proxy/deployments/{deployment}/logs': ['instance', 'instance'],
  'POST /api/v1/servers/{uuid}/proxy/rollback': ['instance', 'instance'],
  'PUT /api/v1/services/{uuid}/server': ['write', 'scoped'],
  'POST /api/v1/containers/{id}/{action}': ['deploy', 'scoped'],
  'GET /api/v1/database-types': ['read', 'team'],
  'POST /api/v1/projects/{uuid}/databases': ['write', 'scoped'],
  'GET /api/v1/projects/{uuid}/databases': ['read', 'scoped'],
  'GET /api/v1/databases/{uuid}': ['read', 'scoped'],
  'DELETE /api/v1/databases/{uuid}': ['write', 'scoped'],
  'GET /api/v1/notifications/channels': ['read', 'team'],
  'POST /api/v1/notifications/channels': ['members', 'team'],
  'PATCH /api/v1/notifications/channels/{id}': ['members', 'scoped'],
  'DELETE /api/v1/notifications/channels/{id}': ['members', 'scoped'],
  'POST /api/v1/notifications/channels/{id}/test': ['members', 'scoped'],
  'GET /api/v1/notifications/deliveries': ['read', 'team'],
  'GET /api/v1/templates': ['read', 'team'],
  'GET /api/v1/templates/{id}': ['read', 'team'],
  'GET /api/v1/templates/{id}/logo': ['read', 'team'],
  'POST /api/v1/projects/{uuid}/templates/{id}': ['write', 'scoped'],
  'POST /api/v1/projects/{uuid}/template-imports': ['write', 'scoped'],
  'GET /api/v1/services/{uuid}/template': ['read', 'scoped'],
  'POST /api/v1/services/{uuid}/template/upgrade': ['write', 'scoped'],
  'GET /api/v1/instance/notifications/channels': ['instance', 'instance'],
  'POST /api/v1/instance/notifications/channels': ['instance', 'instance'],
  'PATCH /api/v1/instance/notifications/channels/{id}': ['instance', 'instance'],
  'DELETE /api/v1/instance/notifications/channels/{id}': ['instance', 'instance'],
  'POST /api/v1/instance/notifications/channels/{id}/test': ['instance', 'instance'],
  'GET /api/v1/instance/notifications/deliveries': ['instance', 'instance'],
  'GET /api/v1/backup-destinations': ['read', 'team'],
  'POST /api/v1/backup-destinations': ['write', 'team'],
  'DELETE /api/v1/backup-destinations/{id}': ['write', 'scoped'],
  'POST /api/v1/backup-destinations/{id}/check': ['write', 'scoped'],
  'GET /api/v1/databases/{uuid}/backup-jobs': ['read', 'scoped'],
  'POST /api/v1/databases/{uuid}/backup-jobs': ['write', 'scoped'],
  'PATCH /api/v1/backup-jobs/{id}': ['write', 'scoped'],
  'DELETE /api/v1/backup-jobs/{id}': ['write', 'scoped'],
  'POST /api/v1/backup-jobs/{id}/run': ['write', 'scoped'],
  'POST /api/v1/databases/{uuid}/backups': ['write', 'scoped'],
  'GET /api/v1/databases/{uuid}/backups': ['read', 'scoped'],
  'GET /api/v1/backup-runs/{id}': ['read', 'scoped'],
  'GET /api/v1/backup-runs/{id}/log': ['read', 'scoped'],
  'GET /api/v1/backup-runs/{id}/log/stream': ['read', 'stream'],
  'GET /api/v1/backup-runs/{id}/download': ['read:sensitive', 'scoped'],
  'POST /api/v1/backup-runs/{id}/restore': ['write', 'scoped'],
  'POST /api/v1/services/{uuid}/volume-backups': ['write', 'scoped'],
  'GET /api/v1/services/{uuid}/volume-backups': ['read', 'scoped'],
  'GET /api/v1/services/{uuid}/volumes': ['read', 'scoped'],
  'GET /api/v1/services/{uuid}/volume-backup-jobs': ['read', 'scoped'],
  'POST /api/v1/services/{uuid}/volume-backup-jobs': ['write', 'scoped'],
}

const READ_ONLY = new Set(['read', 'public'])
const COMPOSE = 'services:\n  web:\n    image: nginx:1.27\n'

describe('access matrix over every operation of the OpenAPI document', () => {
  let t: TestApp
  let operations: { method: string; path: string }[]
  let owner: string
  const ids: Record<string, string> = {}
  const markers: string[] = []

  before(async () => {
    t = await startTestApp()
    owner = await t.token(['root'], 'Team A')
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await t.call(owner, method as never, url, body)
      assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body
    }
    ids.project = (await call('POST', '/api/v1/projects', { name: 'matrix-secret-project' })).uuid
    ids.service = (
      await call('POST', `/api/v1/projects/${ids.project}/services`, { name: 'web', compose: COMPOSE })
    ).uuid
    ids.database = (
      await call('POST', `/api/v1/projects/${ids.project}/databases`, { type: 'redis', name: 'cache' })
    ).uuid
    ids.domain = (
      await call('POST', `/api/v1/projects/${ids.project}/domains`, { domain: 'matrix-secret.example.com', tls: false })
    ).id
    ids.route = (await call('POST', `/api/v1/domains/${ids.domain}/routes`, { target: { url: 'http://10.0.0.9' } })).id
    ids.middleware = (
      await call('POST', `/api/v1/projects/${ids.project}/middlewares`, {
        name: 'hdrs',
        type: 'headers',
        config: { customResponseHeaders: { 'X-A': '1' } },
      })
    ).id
    ids.server = (
      await call('POST', '/api/v1/servers', { name: 'a-own', docker_host: 'unix:///var/run/docker.sock' })
    ).uuid
    ids.token = (await call('POST', '/api/v1/tokens', { name: 'a-token', abilities: ['read'] })).id
    ids.invitation = (await call('POST', '/api/v1/team/invitations', { role: 'viewer' })).uuid
    ids.member = (await call('GET', '/api/v1/me')).user.id
    ids.channel = (
      await call('POST', '/api/v1/notifications/channels', {
        name: 'matrix-secret-channel',
        type: 'slack',
        url: 'http://127.0.0.1:9/hooks/matrix-secret-token',
      })
    ).id
    ids.destination = (
      await call('POST', '/api/v1/backup-destinations', {
        kind: 's3',
        name: 'matrix-secret-destination',
        s3: { endpoint: 'http://127.0.0.1:9', bucket: 'matrix-bucket', access_key_id: 'matrix-access' },
        secret_access_key: 'matrix-secret-key',
      })
    ).id
    ids.job = (
      await call('POST', `/api/v1/databases/${ids.database}/backup-jobs`, { destination_id: ids.destination })
    ).id
    // Its database is not running, so the run fails at once; it exists, which is what the matrix needs.
    ids.run = (await call('POST', `/api/v1/backup-jobs/${ids.job}/run`)).id
    await t.app.backupRuns.idle()
    await call('PUT', `/api/v1/services/${ids.service}/git`, {
      repo_url: 'https://git.example.com/matrix-secret/app.git',
      dockerfile_path: 'Dockerfile',
    })
    ids.registry = (
      await call('POST', '/api/v1/registry-credentials', {
        host: 'registry.matrix-secret.example',
        username: 'matrix-user',
        password: 'matrix-registry-password',
      })
    ).id
    const queued = await call('POST', '/api/v1/deploy', { uuid: ids.service })
    ids.deployment = queued.deployments[0].deployment_uuid
    await t.call(owner, 'POST', `/api/v1/deployments/${ids.deployment}/cancel`)
    await t.app.proxySync.runNow()
    markers.push(
      ids.project!,
      ids.service!,
      'matrix-secret',
      ids.domain!,
      ids.channel!,
      ids.destination!,
      ids.registry!,
    )

    const spec = (await t.call(undefined, 'GET', '/api/v1/openapi.json')).body
    operations = Object.entries<Record<string, unknown>>(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })),
    )
  })
  after(() => t.close())

  /** A concrete URL for an operation, naming team A's resources. */
  function urlOf(path: string): string {
    const resource = (segment: string) =>
      ({
        projects: ids.project,
        services: ids.service,
        databases: ids.database,
        domains: ids.domain,
        routes: ids.route,
        middlewares: ids.middleware,
        servers: ids.server,
        tokens: ids.token,
        invitations: ids.invitation,
        members: ids.member,
        users: ids.member,
        deployments: ids.deployment,
        deployment: ids.deployment,
        backups: '00000000-0000-4000-8000-000000000000',
        containers: 'abcdef123456',
        channels: ids.channel,
        templates: 'wordpress',
        'backup-destinations': ids.destination,
        'backup-jobs': ids.job,
        'backup-runs': ids.run,
        git: ids.service,
        'registry-credentials': ids.registry,
      })[segment]
    const segments = path.split('/')
    const concrete = segments.map((s, i) => {
      if (!s.startsWith('{')) return s
      if (s === '{n}') return '1'
      if (s === '{key}') return 'SOME_KEY'
      if (s === '{action}') return 'restart'
      if (s === '{token}') return 'bi_not-a-real-link-token'
      const owner = segments[i - 1] === 'services' && segments[i - 2] === 'deployments' ? 'services' : segments[i - 1]
      const id = resource(owner ?? '')
      assert.ok(id, `no resource for ${s} in ${path}`)
      return id
    })
    const query = path.endsWith('/compose/diff')
      ? '?from=1&to=1'
      : path.endsWith('/files/content')
        ? `?path=${encodeURIComponent(`dynamic/project-${ids.project}.yml`)}`
        : path === '/api/v1/deploy'
          ? `?uuid=${ids.service}`
          : ''
    return concrete.join('/') + query
  }

  function bodyFor(method: string, path: string): unknown {
    if (method === 'GET' || method === 'DELETE') return undefined
    if (path === '/api/v1/containers/{id}/{action}') return { server_uuid: ids.server }
    return {}
  }

  it('has a declared expectation for every operation, and no expectation for an operation that is gone', () => {
    const keys = operations.map((o) => `${o.method} ${o.path}`)
    const missing = keys.filter((k) => !(k in MATRIX))
    assert.deepEqual(missing, [], 'operations without an entry in MATRIX')
    const stale = Object.keys(MATRIX).filter((k) => !keys.includes(k))
    assert.deepEqual(stale, [], 'MATRIX entries for operations that no longer exist')
  })

  it('refuses every non-public operation without a credential (401)', async () => {
    for (const { method, path } of operations) {
      const [ability] = MATRIX[`${method} ${path}`]!
      if (ability === 'public') continue
      const res = await t.call(undefined, method as never, urlOf(path), bodyFor(method, path))
      assert.equal(res.status, 401, `${method} ${path}`)
    }
  })

  it("gives another team's owner 404 on this team's resources, 403 on instance routes, and never this team's data", async () => {
    const other = await t.token(['root'], 'Team B')
    for (const { method, path } of operations) {
      const [, scope] = MATRIX[`${method} ${path}`]!
      if (scope === 'self' || scope === 'stream') continue
      const url = urlOf(path)
      const res = await t.call(other, method as never, url, bodyFor(method, path))
      const where = `${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`
      if (scope === 'instance') assert.equal(res.status, 403, where)
      if (scope === 'signed') assert.equal(res.status, 401, where)
      // A body is validated before the handler looks the resource up, so an empty one may be 400 first.
      if (scope === 'scoped') assert.ok(res.status === 404 || (res.status === 400 && method !== 'GET'), where)
      const text = JSON.stringify(res.body)
      // An error message may repeat the id the caller sent; anything else of team A must not appear.
      for (const marker of markers.filter((m) => !url.includes(m)))
        assert.ok(!text.includes(marker), `${where} shows ${marker}`)
    }
  })

  it('refuses a viewer every operation beyond reading (403), and lets it read', async () => {
    const viewer = await t.token(['read'], 'Team A')
    for (const { method, path } of operations) {
      const [ability, scope] = MATRIX[`${method} ${path}`]!
      const allowed = READ_ONLY.has(ability)
      if (allowed && (scope === 'self' || scope === 'stream')) continue
      const res = await t.call(viewer, method as never, urlOf(path), bodyFor(method, path))
      const where = `${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`
      if (scope === 'signed') assert.equal(res.status, 401, where)
      else if (allowed) assert.ok(res.status !== 401 && res.status !== 403, where)
      else assert.equal(res.status, 403, where)
    }
  })

  it("refuses the team's owner, without the instance role, every instance-wide operation (403)", async () => {
    for (const { method, path } of operations) {
      const [, scope] = MATRIX[`${method} ${path}`]!
      if (scope !== 'instance') continue
      const res = await t.call(owner, method as never, urlOf(path), bodyFor(method, path))
      assert.equal(res.status, 403, `${method} ${path}`)
    }
  })
})

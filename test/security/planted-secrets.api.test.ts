import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import type { InjectOptions } from 'fastify'
import { sql } from 'kysely'
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js'
import { composeProjectName } from '../../src/deployments/resources.js'
import { TEST_DIALECT, dropTestDatabase } from '../support/dialect.js'
import { TEST_IMAGE, docker, removeProject, requireDocker, waitFor } from '../support/docker.js'
import { deploy, waitForEnd } from '../support/deploy-helpers.js'
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/harness.js'

/** A unique, greppable value: nothing else in a run can contain it by chance. */
const planted = (kind: string) => `PLANTED-${kind}-${randomBytes(12).toString('hex')}`

/** Where a secret was found, and how it was written there. */
type Hit = { secret: string; place: string; form: string }

/** Text the grep looks at: a named place and its bytes. */
type Place = { name: string; bytes: Buffer }

const SSH_KEY_HEAD = '-----BEGIN OPENSSH PRIVATE KEY-----'

describe('planted secrets never leave where they belong', () => {
  let t: TestApp
  const logLines: string[] = []
  const printed: string[] = []
  const restoreWrites: (() => void)[] = []
  /** Secrets by name; each must be absent from every place in `corpus`. */
  const secrets = new Map<string, string>()
  /** Everything captured that must hold no secret: responses without read:sensitive, logs, audit, the database. */
  const corpus: Place[] = []
  /** Places that must hold the secret (read:sensitive, the creation answer, the work dir): they prove the grep finds it. */
  const revealing: { place: Place; secret: string }[] = []
  let root: string
  let reader: string
  let writer: string
  let instanceReader: string
  let sensitive: string
  let projectId: string
  let serviceId: string
  let leakyId: string | undefined
  let databaseId: string
  let serverId: string
  const deploymentIds: string[] = []
  const composeProjects: string[] = []
  /** A value stored in plain text on purpose: the raw database bytes must contain it, or the file read is wrong. */
  const PLAIN_MARKER = planted('plain-on-purpose')
  let stopped = false

  function place(name: string, content: string | Buffer): Place {
    return { name, bytes: Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8') }
  }

  /** Calls the API; the body joins the corpus unless the token may read sensitive values. */
  async function call(
    token: string,
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const res = await t.server.inject({
      method: method as InjectOptions['method'],
      url,
      headers: { authorization: `Bearer ${token}`, ...headers },
      ...(body !== undefined && { payload: body as InjectOptions['payload'] }),
    })
    if (token !== root && token !== sensitive)
      corpus.push(place(`${method} ${url} (${res.statusCode})`, res.rawPayload))
    const json = res.headers['content-type']?.toString().includes('json') && res.body ? JSON.parse(res.body) : res.body
    return { status: res.statusCode, body: json, raw: res.rawPayload, headers: res.headers }
  }

  before(async () => {
    const sink = new PassThrough()
    sink.on('data', (chunk: Buffer) => logLines.push(chunk.toString()))
    // Anything Berth prints outside its logger (console, a child's inherited output) is captured too.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream)
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        printed.push(Buffer.from(chunk as Uint8Array).toString())
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest)
      }) as typeof stream.write
      restoreWrites.push(() => {
        stream.write = write
      })
    }
    t = await startTestApp({ LOG_LEVEL: 'trace' }, { logDestination: sink })
    root = await t.token(['root', 'instance'])
    reader = await t.token(['read'])
    writer = await t.token(['read', 'write', 'deploy'])
    instanceReader = await t.token(['read', 'instance'])
    sensitive = await t.token(['read', 'read:sensitive'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'vault' })).body.uuid
  })
  after(async () => {
    for (const restore of restoreWrites) restore()
    for (const p of composeProjects) await removeProject(p)
    if (!stopped) await t.close()
    else {
      await dropTestDatabase(t.dataDir)
      rmSync(t.dataDir, { recursive: true, force: true })
    }
  })

  it('plants a secret of every kind Berth holds', async () => {
    // Env values marked secret, and one plain value (stored as it is, on purpose).
    secrets.set('env secret', planted('env'))
    secrets.set('env secret (lower case, used as an image tag)', planted('tag').toLowerCase())
    const service = await t.call(root, 'POST', `/api/v1/projects/${projectId}/services`, {
      name: 'holder',
      compose: `services:\n  web:\n    image: ${TEST_IMAGE}\n`,
    })
    serviceId = service.body.uuid
    const env = await call(writer, 'PUT', `/api/v1/services/${serviceId}/env`, {
      API_SECRET: { value: secrets.get('env secret'), secret: true },
      TAG_SECRET: { value: secrets.get('env secret (lower case, used as an image tag)'), secret: true },
      PLAIN_VALUE: { value: PLAIN_MARKER },
    })
    assert.equal(env.status, 200)
    assert.equal(env.body.env.API_SECRET.masked, true)

    // A database: its generated passwords, read once with read:sensitive to know what to look for.
    const db = await call(writer, 'POST', `/api/v1/projects/${projectId}/databases`, { type: 'postgresql', name: 'db' })
    assert.equal(db.status, 201, JSON.stringify(db.body))
    databaseId = db.body.uuid
    const dbEnv = await call(sensitive, 'GET', `/api/v1/services/${databaseId}/env`)
    const dbSecrets = Object.entries<any>(dbEnv.body.env).filter(([, v]) => v.secret)
    assert.ok(dbSecrets.length >= 1, 'a database has secret credentials')
    for (const [key, v] of dbSecrets) secrets.set(`database ${key}`, v.value)
    revealing.push({
      place: place('database env with read:sensitive', JSON.stringify(dbEnv.body)),
      secret: dbSecrets[0]![1].value,
    })

    // An SSH private key of a server (never connected: the port is closed).
    secrets.set('ssh private key', planted('ssh'))
    const server = await call(writer, 'POST', '/api/v1/servers', {
      name: 'remote',
      docker_host: 'ssh://berth@127.0.0.1:1',
      private_key: `${SSH_KEY_HEAD}\n${secrets.get('ssh private key')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    })
    assert.equal(server.status, 201, JSON.stringify(server.body))
    assert.equal(server.body.has_private_key, true)
    serverId = server.body.uuid

    // A basic-auth password: hashed before storage, the plain text goes nowhere.
    secrets.set('basic-auth password', planted('basic'))
    const basic = await call(writer, 'POST', `/api/v1/projects/${projectId}/middlewares`, {
      name: 'guard',
      type: 'basic-auth',
      config: { users: [{ username: 'admin', password: secrets.get('basic-auth password') }], realm: 'vault' },
    })
    assert.equal(basic.status, 201, JSON.stringify(basic.body))
    const domain = await call(writer, 'POST', `/api/v1/projects/${projectId}/domains`, {
      domain: 'vault.example.test',
      tls: false,
    })
    const route = await call(writer, 'POST', `/api/v1/domains/${domain.body.id}/routes`, {
      target: { service: serviceId, compose_service: 'web', port: 80 },
      middlewares: ['guard'],
    })
    assert.equal(route.status, 201, JSON.stringify(route.body))

    // An API token: its value is shown once, in the answer that creates it.
    const created = await t.server.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${writer}` },
      payload: { name: 'ci', abilities: ['read'] },
    })
    assert.equal(created.statusCode, 201, created.body)
    const apiToken = created.json().token as string
    secrets.set('API token', apiToken)
    revealing.push({ place: place('POST /tokens (the answer that creates it)', created.body), secret: apiToken })
    assert.equal((await call(apiToken, 'GET', '/api/v1/projects')).status, 200, 'the planted token works')

    // A user's password, set through a reset link, then changed by the user; the link token is a secret too.
    secrets.set('user password', planted('password'))
    secrets.set('user password (changed)', planted('password2'))
    const user = await t.app.users.create(
      { email: 'planted@example.com', password: ADMIN_PASSWORD, admin: false },
      SYSTEM_ACTOR,
    )
    const reset = await t.server.inject({
      method: 'POST',
      url: `/api/v1/users/${user.id}/password-reset`,
      headers: { authorization: `Bearer ${instanceReader}` },
    })
    assert.equal(reset.statusCode, 201, reset.body)
    const resetToken = reset.json().token as string
    assert.match(resetToken, /^[A-Za-z0-9_-]{16,}$/, `a reset link in ${reset.body}`)
    secrets.set('password reset link token', resetToken)
    revealing.push({
      place: place('POST /users/:uuid/password-reset (the answer that makes the link)', reset.body),
      secret: resetToken,
    })
    const opened = await t.server.inject({ method: 'GET', url: `/api/v1/password-resets/${resetToken}` })
    assert.equal(opened.statusCode, 200, opened.body)
    corpus.push(place('GET /password-resets/:token', opened.body))
    const setPassword = await t.server.inject({
      method: 'POST',
      url: `/api/v1/password-resets/${resetToken}`,
      payload: { password: secrets.get('user password') },
    })
    assert.ok(setPassword.statusCode < 300, `${setPassword.statusCode} ${setPassword.body}`)
    corpus.push(place('POST /password-resets/:token', setPassword.body))
    const login = await t.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'planted@example.com', password: secrets.get('user password') },
    })
    assert.equal(login.statusCode, 200, login.body)
    corpus.push(place('POST /auth/login', login.body))
    const cookie = String(login.headers['set-cookie']).split(';')[0]!
    secrets.set('session cookie', cookie.split('=')[1]!)
    const changed = await t.server.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: { cookie, origin: 'http://localhost:80' },
      payload: { current_password: secrets.get('user password'), new_password: secrets.get('user password (changed)') },
    })
    assert.ok(changed.statusCode < 300, `${changed.statusCode} ${changed.body}`)
    corpus.push(place('POST /me/password', changed.body))
    const wrong = await t.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'planted@example.com', password: secrets.get('user password') },
    })
    assert.equal(wrong.statusCode, 401, 'the old password no longer works')
    corpus.push(place('POST /auth/login (old password)', wrong.body))
  })

  it('refuses invalid changes without echoing the secret they carry', async () => {
    const attempts: [string, string, unknown][] = [
      [
        'PUT',
        `/api/v1/services/${serviceId}/env`,
        { API_SECRET: { value: secrets.get('env secret'), secret: true }, '1BAD': { value: 'x' } },
      ],
      ['PUT', `/api/v1/services/${serviceId}/env`, { API_SECRET: { value: secrets.get('env secret'), secret: 'yes' } }],
      [
        'PUT',
        `/api/v1/services/${serviceId}/env`,
        { API_SECRET: { value: `${secrets.get('env secret')}${'x'.repeat(70_000)}`, secret: true } },
      ],
      ['PATCH', `/api/v1/servers/${serverId}`, { private_key: `not a key ${secrets.get('ssh private key')}` }],
      [
        'PATCH',
        `/api/v1/servers/${serverId}`,
        { private_key: `${SSH_KEY_HEAD}\n${secrets.get('ssh private key')}\n`, docker_host: 'tcp://x' },
      ],
      [
        'POST',
        `/api/v1/projects/${projectId}/middlewares`,
        {
          name: 'guard',
          type: 'basic-auth',
          config: { users: [{ username: 'admin', password: secrets.get('basic-auth password') }] },
        },
      ],
      [
        'POST',
        `/api/v1/projects/${projectId}/middlewares`,
        {
          name: 'guard2',
          type: 'basic-auth',
          config: { users: [{ username: 'a:b', password: secrets.get('basic-auth password') }] },
        },
      ],
      [
        'POST',
        `/api/v1/projects/${projectId}/middlewares`,
        {
          name: 'guard3',
          type: 'basic-auth',
          config: {
            users: [{ username: 'admin', password: `${secrets.get('basic-auth password')}${'x'.repeat(80)}` }],
          },
        },
      ],
      [
        'PUT',
        `/api/v1/services/${serviceId}/parameters`,
        { parameters: { p: { type: 'integer', value: secrets.get('env secret') } } },
      ],
      ['POST', '/api/v1/me/password', { current_password: secrets.get('user password (changed)'), new_password: 'x' }],
      ['POST', '/api/v1/tokens', { name: secrets.get('API token'), abilities: ['nope'] }],
    ]
    for (const [method, url, body] of attempts) {
      const res = await call(writer, method, url, body)
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`)
      assert.equal(typeof res.body.error?.code, 'string')
    }
    for (const password of [secrets.get('user password'), secrets.get('user password (changed)')]) {
      const res = await t.server.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'nobody@example.com', password },
      })
      assert.equal(res.statusCode, 401)
      corpus.push(place('POST /auth/login (unknown user)', res.body))
    }
    // The server check runs the ssh transport (its key is written to the data dir) and fails to connect.
    const check = await call(writer, 'POST', `/api/v1/servers/${serverId}/check`)
    assert.ok(check.status < 500 || check.status === 502, `${check.status} ${JSON.stringify(check.body)}`)
  })

  it('deploys a service whose container prints its secret, and one whose failure names it', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const leaky = await t.call(root, 'POST', `/api/v1/projects/${projectId}/services`, {
      name: 'leaky',
      compose: `services:
  web:
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "echo the secret is $$API_SECRET; echo; sleep 3600"]
    stop_grace_period: 1s
    environment:
      API_SECRET: \${API_SECRET}
  broken:
    image: ${TEST_IMAGE.split(':')[0]}:\${TAG_SECRET}
    pull_policy: never
`,
    })
    assert.equal(leaky.status, 201, JSON.stringify(leaky.body))
    leakyId = leaky.body.uuid as string
    composeProjects.push(composeProjectName(leakyId))
    await call(writer, 'PUT', `/api/v1/services/${leakyId}/env`, {
      API_SECRET: { value: secrets.get('env secret'), secret: true },
      TAG_SECRET: { value: secrets.get('env secret (lower case, used as an image tag)'), secret: true },
    })
    const first = await deploy(t, writer, leakyId)
    deploymentIds.push(first)
    const failed = await waitForEnd(t, writer, first)
    assert.equal(failed.status, 'failed', 'the image tag made of the secret does not exist')
    // Compose named the image (and so the secret); the stored line says where, redacted.
    // Deployment logs need read:sensitive, and are redacted all the same: they join the corpus.
    assert.equal((await call(writer, 'GET', `/api/v1/deployments/${first}/logs`)).status, 403)
    const failedLog = await call(sensitive, 'GET', `/api/v1/deployments/${first}/logs?limit=5000&include_hidden=true`)
    assert.equal(failedLog.status, 200)
    corpus.push(place('failed deployment log with hidden lines (read:sensitive)', failedLog.raw))
    assert.match(failedLog.raw.toString(), /busybox:<REDACTED>/, 'the failure named the image, its tag redacted')
    // Without the broken service it deploys, and its container prints the secret.
    const current = (await t.call(root, 'GET', `/api/v1/services/${leakyId}/compose`)).body
    const fixed = current.yaml.slice(0, current.yaml.indexOf('  broken:'))
    assert.equal(
      (await call(writer, 'PUT', `/api/v1/services/${leakyId}/compose`, { yaml: fixed, base_version: current.version }))
        .status,
      200,
    )
    const second = await deploy(t, writer, leakyId)
    deploymentIds.push(second)
    assert.equal((await waitForEnd(t, writer, second)).status, 'finished')
    const project = composeProjectName(leakyId)
    const containerOutput = await waitFor(
      'the container to print its secret',
      async () => {
        const { stdout } = await docker(['compose', '--project-name', project, 'logs', '--no-color'])
        return stdout.includes('the secret is') ? stdout : undefined
      },
      20_000,
    )
    // Docker itself has the secret in the output: Berth's answer must not.
    revealing.push({
      place: place('docker compose logs (the engine, not Berth)', containerOutput),
      secret: secrets.get('env secret')!,
    })
    const workEnv = readFileSync(join(t.dataDir, 'work', leakyId, '.env'), 'utf8')
    revealing.push({ place: place('work dir .env (0600, by design)', workEnv), secret: secrets.get('env secret')! })
    assert.equal(statSync(join(t.dataDir, 'work', leakyId, '.env')).mode & 0o777, 0o600)
    // Container output needs read:sensitive, and is redacted even then: it joins the corpus.
    assert.equal((await call(reader, 'GET', `/api/v1/services/${leakyId}/logs?lines=100`)).status, 403)
    const logs = await call(sensitive, 'GET', `/api/v1/services/${leakyId}/logs?lines=100`)
    assert.equal(logs.status, 200, JSON.stringify(logs.body))
    corpus.push(place('GET /services/:uuid/logs with read:sensitive (redacted)', logs.raw))
    assert.match(logs.raw.toString(), /the secret is <REDACTED>/, 'the container output is there, redacted')
  })

  it('reads every resource without read:sensitive (and with it, where the secret must show)', async () => {
    // Backups of Berth's database (SQLite; PostgreSQL is refused and pointed at pg_dump).
    const backup = await call(instanceReader, 'POST', '/api/v1/backups')
    assert.ok(backup.status === 201 || backup.status === 409 || backup.status === 400, JSON.stringify(backup.body))
    if (TEST_DIALECT === 'sqlite') assert.equal(backup.status, 201)
    const versions = (await t.call(root, 'GET', `/api/v1/services/${serviceId}/compose`)).body.version as number
    const files = (await t.call(root, 'GET', '/api/v1/proxy/files')).body.files as { path: string }[]
    await t.app.proxySync.runNow()
    const ids: Record<string, string[]> = {
      project: [projectId],
      service: [serviceId, databaseId, ...(leakyId ? [leakyId] : [])],
      database: [databaseId],
      server: [serverId],
      deployment: deploymentIds,
      domain: (await t.call(root, 'GET', `/api/v1/projects/${projectId}/domains`)).body.domains.map((d: any) => d.id),
      middleware: (await t.call(root, 'GET', `/api/v1/projects/${projectId}/middlewares`)).body.middlewares.map(
        (m: any) => m.id,
      ),
      token: (await t.call(writer, 'GET', '/api/v1/tokens')).body.tokens.map((x: any) => x.id),
      user: (await t.call(root, 'GET', '/api/v1/users')).body.users.map((u: any) => u.id),
      backup: backup.status === 201 ? [backup.body.id] : [],
    }
    ids.route = (
      await Promise.all(
        ids.domain!.map(async (d) => (await t.call(root, 'GET', `/api/v1/domains/${d}/routes`)).body.routes),
      )
    )
      .flat()
      .map((r: any) => r.id)
    // Templates hold no team data, but their pages are read like any other.
    ids.template = (await t.call(root, 'GET', '/api/v1/templates')).body.templates.map((x: any) => x.id)
    // No backup run exists in this set-up (it needs a database engine and storage):
    // test/database-backups.e2e.test.ts greps run logs, rows, artifacts and notifications for passwords.
    ids['backup-run'] = []
    const kindOf = (path: string): string | undefined =>
      [
        [/^\/api\/v1\/projects\/\{/, 'project'],
        [/^\/api\/v1\/(services|deployments\/services)\/\{/, 'service'],
        [/^\/api\/v1\/(databases|deployments\/databases)\/\{/, 'database'],
        [/^\/api\/v1\/deployments\/(services|databases)\/deployment\/\{/, 'deployment'],
        [/^\/api\/v1\/deployments\/\{/, 'deployment'],
        [/^\/api\/v1\/servers\/\{/, 'server'],
        [/^\/api\/v1\/domains\/\{/, 'domain'],
        [/^\/api\/v1\/routes\/\{/, 'route'],
        [/^\/api\/v1\/middlewares\/\{/, 'middleware'],
        [/^\/api\/v1\/tokens\/\{/, 'token'],
        [/^\/api\/v1\/(users|team\/members)\/\{/, 'user'],
        [/^\/api\/v1\/backups\/\{/, 'backup'],
        [/^\/api\/v1\/templates\/\{/, 'template'],
        [/^\/api\/v1\/backup-runs\/\{/, 'backup-run'],
      ].find(([pattern]) => (pattern as RegExp).test(path))?.[1] as string | undefined
    const query: Record<string, string[]> = {
      '/api/v1/services/{uuid}/compose/diff': [`?from=1&to=${versions}`],
      '/api/v1/proxy/files/content': files.map((f) => `?path=${encodeURIComponent(f.path)}`),
      '/api/v1/deployments/{uuid}/logs': ['?include_hidden=true&limit=5000'],
      '/api/v1/deployments': ['', '?scope=all'],
      '/api/v1/audit': ['?limit=500'],
    }
    const doc = (await t.call(undefined, 'GET', '/api/v1/openapi.json')).body
    let urls = 0
    let ok = 0
    for (const [path, methods] of Object.entries<Record<string, unknown>>(doc.paths)) {
      if (!('get' in methods) || /stream|\/events$|\{token\}/.test(path)) continue
      const params = [...path.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!)
      let expanded = [path]
      if (params.length > 0) {
        const kind = kindOf(path)
        assert.ok(kind, `no ids known for ${path}: the sweep must reach every resource`)
        expanded = ids[kind]!.map((id) =>
          path.replace(/\{(uuid|id)\}/, id).replace('{n}', String(path.includes('versions') ? 1 : 1)),
        )
        if (path.includes('{n}'))
          expanded = ids[kind]!.flatMap((id) =>
            Array.from({ length: 3 }, (_, n) => path.replace('{uuid}', id).replace('{n}', String(n + 1))),
          )
      }
      for (const url of expanded) {
        for (const q of query[path] ?? ['']) {
          for (const token of [reader, writer, instanceReader]) {
            const res = await call(token, 'GET', `${url}${q}`)
            urls++
            if (res.status === 200) ok++
            assert.ok(res.status < 500, `${res.status} for GET ${url}${q}: ${res.raw.toString().slice(0, 300)}`)
          }
        }
      }
    }
    assert.ok(ok > 60, `only ${ok} of ${urls} reads succeeded: the sweep read too little`)
    // With read:sensitive the secrets are there: the same grep must find them.
    const env = await call(sensitive, 'GET', `/api/v1/services/${serviceId}/env`)
    revealing.push({ place: place('GET env with read:sensitive', env.raw), secret: secrets.get('env secret')! })
    const database = await call(sensitive, 'GET', `/api/v1/databases/${databaseId}`)
    revealing.push({
      place: place('GET database with read:sensitive', database.raw),
      secret: [...secrets.entries()].find(([k]) => k.startsWith('database '))![1],
    })
    // The whole audit feed, as an instance administrator.
    let cursor: string | null = null
    let rows = 0
    do {
      const page: Awaited<ReturnType<typeof t.server.inject>> = await t.server.inject({
        method: 'GET',
        url: `/api/v1/audit?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        headers: { authorization: `Bearer ${root}` },
      })
      assert.equal(page.statusCode, 200)
      corpus.push(place(`audit feed${cursor ? ` after ${cursor}` : ''}`, page.rawPayload))
      rows += page.json().items.length
      cursor = page.json().next_cursor
    } while (cursor)
    assert.ok(rows > 10, `only ${rows} audit rows`)
    // Every deployment log line as stored.
    const stored = await t.app.db.selectFrom('deployment_logs').selectAll().execute()
    corpus.push(place('deployment_logs rows', JSON.stringify(stored)))
    if (leakyId) assert.ok(stored.length > 5, 'the deployments wrote log lines')
    // The backup file itself.
    if (backup.status === 201) {
      const download = await call(instanceReader, 'GET', `/api/v1/backups/${backup.body.id}/download`)
      assert.equal(download.status, 200)
      const database = gunzipSync(download.raw)
      assert.ok(database.length > 4096, 'the download is the database file')
      assert.ok(database.includes(PLAIN_MARKER), 'the backup holds the plain marker: the grep looks at its bytes')
      corpus.push(place('backup download, decompressed', database))
    }
    ok > 0 && corpus.push(place('sweep', `${ok}/${urls}`))
  })

  it('finds no planted secret anywhere it captured, and finds each where it belongs', async (ctx) => {
    // The ssh transport wrote the key into the data dir (0600): where it must be, and only there.
    const keyFile = join(t.dataDir, 'ssh', serverId, 'id_key')
    assert.ok(existsSync(keyFile), 'the server check prepared the ssh transport')
    assert.equal(statSync(keyFile).mode & 0o777, 0o600)
    revealing.push({
      place: place('ssh/<server>/id_key (0600, by design)', readFileSync(keyFile)),
      secret: secrets.get('ssh private key')!,
    })

    // Every table, every column, as text (PostgreSQL and SQLite alike), taken while Berth runs.
    const tables =
      TEST_DIALECT === 'postgres'
        ? (
            await sql<{
              name: string
            }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(
              t.app.db,
            )
          ).rows
        : (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(t.app.db)).rows
    assert.ok(tables.length >= 15, `found ${tables.length} tables`)
    for (const { name } of tables) {
      const rows =
        TEST_DIALECT === 'postgres'
          ? (
              await sql<{ row: string }>`select row_to_json(t)::text as row from ${sql.table(name)} t`.execute(t.app.db)
            ).rows.map((r) => r.row)
          : (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(t.app.db)).rows.map((r) =>
              JSON.stringify(r, (_k, v) => (v && v.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v)),
            )
      corpus.push(place(`table ${name}`, rows.join('\n')))
    }
    const dump = corpus.filter((p) => p.name.startsWith('table ')).map((p) => p.bytes.toString())
    assert.ok(
      dump.some((d) => d.includes(PLAIN_MARKER)),
      'the table dump holds the plain marker',
    )
    assert.ok(
      dump.some((d) => d.includes('enc:v1:')),
      'the table dump holds the encrypted values',
    )

    // Stop Berth, so every page is in the files, and read them as bytes (the WAL too).
    const dataDir = t.dataDir
    await t.server.close()
    await t.app.close()
    stopped = true
    if (TEST_DIALECT === 'sqlite') {
      const dbFiles = readdirSync(dataDir).filter((f) => f.startsWith('berth.db'))
      assert.ok(dbFiles.length >= 1)
      const raw = dbFiles.map((f) => place(`raw ${f}`, readFileSync(join(dataDir, f))))
      assert.ok(
        raw.some((r) => r.bytes.includes(PLAIN_MARKER)),
        'the raw database bytes hold the plain marker: the file read is the one Berth wrote',
      )
      corpus.push(...raw)
    }
    const backups = join(dataDir, 'backups')
    if (existsSync(backups))
      for (const f of readdirSync(backups)) {
        const bytes = readFileSync(join(backups, f))
        corpus.push(place(`backup file ${f}`, f.endsWith('.gz') ? gunzipSync(bytes) : bytes))
      }
    corpus.push(place("Berth's log (trace level)", logLines.join('')))
    corpus.push(place('stdout and stderr of the process', printed.join('')))
    assert.ok(logLines.length > 100, `only ${logLines.length} log lines`)

    const forms = (secret: string): [string, string][] => [
      ['as is', secret],
      ['URL-encoded', encodeURIComponent(secret)],
      ['base64', Buffer.from(secret).toString('base64').slice(0, -4)],
      ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
    ]
    const hits: Hit[] = []
    let bytes = 0
    for (const p of corpus) {
      bytes += p.bytes.length
      for (const [name, secret] of secrets) {
        for (const [form, text] of forms(secret)) {
          if (text.length >= 12 && p.bytes.includes(text)) hits.push({ secret: name, place: p.name, form })
        }
      }
    }
    assert.deepEqual(hits, [], 'planted secrets found where they must never be')
    // The grep is the same one that finds each secret where it belongs.
    for (const { place: p, secret } of revealing)
      assert.ok(p.bytes.includes(secret), `${p.name} should hold the secret: the grep would miss a leak`)
    ctx.diagnostic(
      `planted secrets: ${secrets.size} secrets (${[...secrets.keys()].join(', ')}) in ${forms('x').length} forms, ` +
        `searched ${bytes} bytes in ${corpus.length} places (responses without read:sensitive, logs, stdout/stderr, ` +
        `audit feed, deployment log rows, every table${TEST_DIALECT === 'sqlite' ? ', the raw SQLite files with the WAL, the backup' : ''}); ` +
        `found each where it belongs in ${revealing.length} places`,
    )
  })
})

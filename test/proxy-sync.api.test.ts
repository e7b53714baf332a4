import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, watch, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse } from 'yaml'
import { startTestApp, type TestApp } from './support/harness.js'
import { traefikSchemaErrors } from './support/traefik-schema.js'

/** Every file under dir (relative path -> content). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const sub of ['static', 'dynamic', 'caddy']) {
    const d = join(dir, sub)
    if (!existsSync(d)) continue
    for (const name of readdirSync(d).sort()) out[`${sub}/${name}`] = readFileSync(join(d, name), 'utf8')
  }
  return out
}

describe('proxy sync service', () => {
  let t: TestApp
  let root: string
  let proxyDir: string
  let projectId: string
  let domainId: string

  before(async () => {
    t = await startTestApp()
    proxyDir = t.app.config.proxyDir
    root = await t.token(['root', 'instance'])
    await t.call(root, 'PUT', '/api/v1/settings', { letsencrypt_email: 'ops@example.com' })
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'shop' })).body.uuid
    domainId = (
      await t.call(root, 'POST', `/api/v1/projects/${projectId}/domains`, { domain: 'shop.example.com', tls: true })
    ).body.id
    for (const [name, type, config] of [
      ['gzip', 'compress', {}],
      ['auth', 'basic-auth', { users: [{ username: 'alice', password: 'correct-horse' }] }],
      ['secure', 'headers', { frameDeny: true, customResponseHeaders: { 'X-Robots-Tag': 'none' } }],
      ['limit', 'rate-limit', { average: 10, burst: 20 }],
      ['office', 'ip-allow-list', { sourceRange: ['10.0.0.0/8'] }],
      ['strip', 'strip-prefix', { prefixes: ['/api'] }],
      ['v2', 'add-prefix', { prefix: '/v2' }],
      ['https', 'redirect-scheme', { scheme: 'https', permanent: true }],
      ['www', 'redirect-regex', { regex: '^http://www\\.(.*)', replacement: 'http://${1}' }],
    ] as const) {
      const res = await t.call(root, 'POST', `/api/v1/projects/${projectId}/middlewares`, { name, type, config })
      assert.equal(res.status, 201, JSON.stringify(res.body))
    }
    const route = await t.call(root, 'POST', `/api/v1/domains/${domainId}/routes`, {
      target: { url: 'http://10.1.2.3:8080' },
      path: '/api',
      priority: 50,
      middlewares: ['office', 'auth', 'strip', 'limit', 'gzip', 'secure', 'v2', 'https', 'www'],
      health_check: { path: '/health', interval: '5s' },
    })
    assert.equal(route.status, 201, JSON.stringify(route.body))
  })
  after(() => t.close())

  it('writes the static, shared and project files, each valid against the Traefik v3 schemas', async () => {
    const run = await t.app.proxySync.runNow()
    assert.equal(run.error, null)
    assert.deepEqual(run.files_written.sort(), [
      'dynamic/berth-shared.yml',
      `dynamic/project-${projectId}.yml`,
      'static/traefik.yml',
    ])
    const files = snapshot(proxyDir)
    for (const [path, text] of Object.entries(files)) assert.deepEqual(traefikSchemaErrors(path, text), [], path)
    const project = parse(files[`dynamic/project-${projectId}.yml`]!) as any
    assert.equal(
      Object.keys(project.http.routers).length,
      2,
      'a TLS route has an HTTPS router and an HTTP redirect router',
    )
    assert.ok(!files[`dynamic/project-${projectId}.yml`]!.includes('correct-horse'))
    const rows = await t.app.db.selectFrom('proxy_generated_files').selectAll().execute()
    assert.equal(rows.length, 3)
    for (const row of rows) assert.equal(row.content, files[row.path])
  })

  it('writes nothing when nothing changed', async () => {
    const before = statSync(join(proxyDir, 'static/traefik.yml')).mtimeMs
    const run = await t.app.proxySync.runNow()
    assert.deepEqual([run.files_written, run.files_removed, run.drift_repaired], [[], [], []])
    assert.equal(statSync(join(proxyDir, 'static/traefik.yml')).mtimeMs, before)
  })

  it('restores a file edited or deleted by hand on the next reconcile and counts it as drift', async () => {
    const path = `dynamic/project-${projectId}.yml`
    const good = readFileSync(join(proxyDir, path), 'utf8')
    writeFileSync(join(proxyDir, path), good.replace('10.1.2.3', '6.6.6.6'))
    const listed = await t.call(root, 'GET', '/api/v1/proxy/files')
    assert.equal(listed.body.files.find((f: any) => f.path === path).drift, true)
    const totalsBefore = t.app.proxySync.status().totals.drift_repaired
    const run = await t.app.proxySync.runNow()
    assert.deepEqual(run.drift_repaired, [path])
    assert.equal(readFileSync(join(proxyDir, path), 'utf8'), good)
    writeFileSync(join(proxyDir, 'static/traefik.yml'), '')
    const status = (await t.call(root, 'GET', '/api/v1/proxy/status')).body
    assert.equal(status.totals.drift_repaired, totalsBefore + 1)
    const forced = await t.call(root, 'POST', '/api/v1/proxy/sync')
    assert.deepEqual(forced.body.drift_repaired, ['static/traefik.yml'])
  })

  it('removes orphaned files and leftover temp files on a full run', async () => {
    writeFileSync(join(proxyDir, 'dynamic/stale-app.yml'), 'http: {}\n')
    writeFileSync(join(proxyDir, 'dynamic/berth-shared.yml.tmp'), 'half a fi')
    const run = await t.app.proxySync.runNow()
    assert.deepEqual(run.files_removed.sort(), ['dynamic/berth-shared.yml.tmp', 'dynamic/stale-app.yml'])
  })

  it('removes orphans before renaming anything into place, and never the temp files it is writing', async () => {
    // Traefik answers each event in the directory by listing it, then reading every file listed: an
    // orphan removed after this run's renames could vanish in between and fail that reload.
    const dynamic = join(proxyDir, 'dynamic')
    const projectFile = `project-${projectId}.yml`
    const good = readFileSync(join(dynamic, projectFile), 'utf8')
    const shared = readFileSync(join(dynamic, 'berth-shared.yml'), 'utf8')
    writeFileSync(join(dynamic, projectFile), good.replace('10.1.2.3', '6.6.6.6'))
    writeFileSync(join(dynamic, 'berth-shared.yml'), '# edited\n')
    writeFileSync(join(dynamic, 'orphan.yml'), 'http: {}\n')
    // Leftovers named like the temp files this run writes (two files: the batch writer's path).
    writeFileSync(join(dynamic, `${projectFile}.tmp`), 'half')
    writeFileSync(join(dynamic, 'berth-shared.yml.tmp'), 'half')
    const events: string[] = []
    const watcher = watch(dynamic, (_event, name) => void events.push(String(name)))
    try {
      const run = await t.app.proxySync.runNow()
      assert.equal(run.error, null)
      assert.deepEqual(run.files_removed, ['dynamic/orphan.yml'])
      assert.deepEqual(run.drift_repaired.sort(), ['dynamic/berth-shared.yml', `dynamic/${projectFile}`])
      assert.equal(readFileSync(join(dynamic, projectFile), 'utf8'), good)
      assert.equal(readFileSync(join(dynamic, 'berth-shared.yml'), 'utf8'), shared)
      const deadline = Date.now() + 5000
      while (!events.includes(projectFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
      const renamedIntoPlace = events.findIndex((n) => n === projectFile || n === 'berth-shared.yml')
      assert.ok(
        events.indexOf('orphan.yml') < renamedIntoPlace,
        `the orphan went before the renames: ${events.join(', ')}`,
      )
      assert.deepEqual(
        readdirSync(dynamic).filter((n) => n.endsWith('.tmp')),
        [],
      )
    } finally {
      watcher.close()
    }
  })

  it('syncs after commit when started: bursts coalesce, a deleted project loses its file', async () => {
    t.app.proxySync.start(t.app.events)
    await t.app.proxySync.idle()
    const runsBefore = t.app.proxySync.status().totals.runs
    const other = (await t.call(root, 'POST', '/api/v1/projects', { name: 'blog' })).body.uuid
    const d = (
      await t.call(root, 'POST', `/api/v1/projects/${other}/domains`, { domain: 'blog.example.com', tls: false })
    ).body
    await Promise.all(
      ['/a', '/b', '/c'].map((path) =>
        t.call(root, 'POST', `/api/v1/domains/${d.id}/routes`, { target: { url: 'http://10.9.9.9' }, path }),
      ),
    )
    await t.app.proxySync.idle()
    const file = join(proxyDir, `dynamic/project-${other}.yml`)
    const routers = Object.keys((parse(readFileSync(file, 'utf8')) as any).http.routers)
    assert.equal(routers.length, 3)
    assert.ok(t.app.proxySync.status().totals.runs - runsBefore < 5, 'four changes did not take four separate runs')
    // Coalescing itself, where timing cannot hide it: ten requests made in one tick are one run.
    const tick = t.app.proxySync.status().totals.runs
    for (let i = 0; i < 10; i++) t.app.proxySync.request({ projectId: other })
    await t.app.proxySync.idle()
    assert.equal(t.app.proxySync.status().totals.runs - tick, 1, 'ten requests in one tick took one run')
    assert.equal((await t.call(root, 'DELETE', `/api/v1/projects/${other}`)).status, 204)
    await t.app.proxySync.idle()
    assert.equal(existsSync(file), false)
    assert.equal(
      (await t.app.db.selectFrom('proxy_generated_files').select('path').where('project_id', '=', other).execute())
        .length,
      0,
    )
    await t.app.proxySync.stop()
  })

  it('rejects with 422 a change that would produce an invalid file and leaves the files on disk as they were', async () => {
    await t.app.proxySync.runNow()
    const before = snapshot(proxyDir)
    const empty = await t.call(root, 'POST', `/api/v1/projects/${projectId}/middlewares`, {
      name: 'empty',
      type: 'headers',
      config: {},
    })
    assert.equal(empty.status, 201, 'an unused middleware renders nothing')
    const res = await t.call(root, 'POST', `/api/v1/domains/${domainId}/routes`, {
      target: { url: 'http://10.1.2.4' },
      path: '/x',
      middlewares: ['empty'],
    })
    assert.equal(res.status, 422, JSON.stringify(res.body))
    assert.equal(res.body.error.code, 'invalid_proxy_config')
    assert.match(res.body.error.message, /empty map/)
    await t.app.proxySync.runNow()
    assert.deepEqual(snapshot(proxyDir), before)
  })

  it('judges a route change by that route: one broken behind the API is refused, another is not held back by it', async () => {
    const make = async (path: string) =>
      (await t.call(root, 'POST', `/api/v1/domains/${domainId}/routes`, { target: { url: 'http://10.1.2.5' }, path }))
        .body.id as string
    const [broken, healthy] = [await make('/broken'), await make('/healthy')]
    await t.app.proxySync.runNow()
    const before = snapshot(proxyDir)
    // A backquote in a path would end the rule's string: the API refuses it, so write it behind its back.
    await t.app.db.updateTable('proxy_routes').set({ path: '/x`) || Host(`evil' }).where('id', '=', broken).execute()
    const refused = await t.call(root, 'PATCH', `/api/v1/routes/${broken}`, { priority: 3 })
    assert.equal(refused.status, 422, JSON.stringify(refused.body))
    assert.match(refused.body.error.message, /is not a rule Berth renders/)
    const other = await t.call(root, 'PATCH', `/api/v1/routes/${healthy}`, { priority: 4 })
    assert.equal(other.status, 200, JSON.stringify(other.body))
    const run = await t.app.proxySync.runNow()
    assert.ok(run.render_issues.length > 0, 'the sync reports the broken route')
    assert.deepEqual(snapshot(proxyDir), before, 'and writes nothing of the project while it is broken')
    for (const id of [broken, healthy]) assert.equal((await t.call(root, 'DELETE', `/api/v1/routes/${id}`)).status, 204)
  })

  it("serves the whole dynamic configuration to Traefik's HTTP provider from a cache the sync invalidates", async () => {
    // The document holds every team's routes: a team's read token is refused, the provider credential is not.
    const reader = await t.token(['read'])
    assert.equal((await t.call(reader, 'GET', '/api/v1/proxy/traefik/dynamic')).status, 403)
    const provider = await t.token(['proxy:provider'])
    const first = await t.call(provider, 'GET', '/api/v1/proxy/traefik/dynamic')
    assert.equal(first.status, 200)
    assert.ok(first.body.http.middlewares['berth-redirect-https'])
    const router = Object.values<any>(first.body.http.routers)[0]
    assert.match(router.service, /@http$/)
    await t.call(root, 'PATCH', `/api/v1/domains/${domainId}`, { active: false })
    assert.deepEqual(
      (await t.call(provider, 'GET', '/api/v1/proxy/traefik/dynamic')).body,
      first.body,
      'cached until the next sync',
    )
    await t.app.proxySync.runNow()
    assert.equal((await t.call(provider, 'GET', '/api/v1/proxy/traefik/dynamic')).body.http.routers, undefined)
    assert.equal(
      existsSync(join(proxyDir, `dynamic/project-${projectId}.yml`)),
      false,
      'a project with nothing to route has no file',
    )
    await t.call(root, 'PATCH', `/api/v1/domains/${domainId}`, { active: true })
    await t.app.proxySync.runNow()
  })

  it('previews a change: the files it would produce and their diff, without saving', async () => {
    const res = await t.call(root, 'POST', '/api/v1/proxy/preview', {
      change: { op: 'update_domain', id: domainId, data: { subdomain: 'www' } },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.valid, true)
    assert.equal(res.body.files[0].action, 'update')
    assert.match(res.body.files[0].diff, /-.*Host\(`shop\.example\.com`\)[\s\S]*\+.*Host\(`www\.shop\.example\.com`\)/)
    assert.equal((await t.call(root, 'GET', `/api/v1/domains/${domainId}`)).body.full_domain, 'shop.example.com')
    const taken = await t.call(root, 'POST', '/api/v1/proxy/preview', {
      change: { op: 'create_domain', project: projectId, data: { domain: 'shop.example.com' } },
    })
    assert.equal(taken.status, 409)
  })

  it('browses generated files read-only and refuses every way out of the proxy directory with 400', async () => {
    const listed = await t.call(root, 'GET', '/api/v1/proxy/files')
    const paths = listed.body.files.map((f: any) => f.path)
    assert.ok(paths.includes('static/traefik.yml'))
    const one = listed.body.files.find((f: any) => f.path === 'static/traefik.yml')
    assert.match(one.sha256, /^[0-9a-f]{64}$/)
    assert.ok(one.synced_at)
    const content = await t.call(root, 'GET', '/api/v1/proxy/files/content?path=static/traefik.yml')
    assert.equal(content.status, 200)
    assert.match(content.body.content, /entryPoints/)
    mkdirSync(join(proxyDir, 'dynamic'), { recursive: true })
    symlinkSync('/etc/passwd', join(proxyDir, 'dynamic/escape.yml'))
    for (const path of [
      '../berth.db',
      '/etc/passwd',
      '%2e%2e%2fberth.db',
      '..%2fberth.db',
      'static/%2e%2e/%2e%2e/berth.db',
      'static/..\\..\\berth.db',
      'static/traefik.yml%00.txt',
      'dynamic/escape.yml',
      './static/traefik.yml',
    ]) {
      const res = await t.call(root, 'GET', `/api/v1/proxy/files/content?path=${encodeURIComponent(path)}`)
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.error.code, 'invalid_path')
    }
    const nul = await t.call(root, 'GET', '/api/v1/proxy/files/content?path=static/traefik.yml%00')
    assert.equal(nul.status, 400)
    const doubleEncoded = await t.call(root, 'GET', '/api/v1/proxy/files/content?path=%252e%252e%252fberth.db')
    assert.equal(doubleEncoded.status, 400)
    // A name longer than the file system allows, and a file used as a folder, name no file (were 500s).
    for (const path of ['0'.repeat(300), 'static/traefik.yml/x']) {
      const res = await t.call(root, 'GET', `/api/v1/proxy/files/content?path=${path}`)
      assert.equal(res.status, 404, `${path.slice(0, 40)}: ${JSON.stringify(res.body)}`)
    }
    await t.app.proxySync.runNow()
  })

  it("shows another team only shared files, never this team's project files", async () => {
    const other = await t.token(['read'], 'Other team')
    const listed = await t.call(other, 'GET', '/api/v1/proxy/files')
    assert.deepEqual(listed.body.files.map((f: any) => f.path).sort(), [
      'dynamic/berth-shared.yml',
      'static/traefik.yml',
    ])
    const res = await t.call(other, 'GET', `/api/v1/proxy/files/content?path=dynamic/project-${projectId}.yml`)
    assert.equal(res.status, 404)
  })
})

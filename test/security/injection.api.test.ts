import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parseYamlSafely } from '../../src/compose/compose.yaml.js'
import { composeProjectName } from '../../src/deployments/resources.js'
import { TEST_IMAGE, docker, removeProject, requireDocker } from '../support/docker.js'
import { deploy, logText, waitForEnd } from '../support/deploy-helpers.js'
import { startTestApp, type TestApp } from '../support/harness.js'
import { traefikDynamicSchemaErrors } from '../support/traefik-schema.js'
import {
  HOSTILE,
  HOSTILE_PATHS,
  assertDataDirClean,
  assertNoMarkerFiles,
  composeConfig,
  composeValue,
  createAttempts,
  parseRendered,
} from './injection-support.js'

const TARGET_URL = 'http://10.9.8.7:8080'
const PLAIN_COMPOSE = `services:
  web:
    image: ${TEST_IMAGE}
    command: ["sleep", "3600"]
    stop_grace_period: 1s
`
/** Every kind of place a string parameter can land in a template. */
const TEMPLATE = `services:
  web:
    image: ${TEST_IMAGE}
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    environment:
      PLAIN: {{berth.plain}}
      QUOTED: "{{berth.quoted}}"
      SINGLE: '{{berth.single}}'
    labels:
      - "berth.test={{berth.label}}"
`
const PARAMS = ['plain', 'quoted', 'single', 'label'] as const
const DUMMY_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nbm90LWEta2V5\n-----END OPENSSH PRIVATE KEY-----\n'

/** What the test created and expects to see rendered, nothing more. */
type ExpectedRoute = {
  id: string
  host: string
  path: string
  pathMatch: 'prefix' | 'exact'
  middlewares: string[]
  /** Where the service dials. */
  url: string
}
type ExpectedMiddleware = { id: string; type: string; config: Record<string, any> }

/** Traefik's key for each middleware type, and the config it renders with (the input, as Traefik names it). */
const TRAEFIK_KEY: Record<string, string> = {
  headers: 'headers',
  'strip-prefix': 'stripPrefix',
  'add-prefix': 'addPrefix',
  'redirect-regex': 'redirectRegex',
  'redirect-scheme': 'redirectScheme',
  'ip-allow-list': 'ipAllowList',
  'rate-limit': 'rateLimit',
  compress: 'compress',
  'basic-auth': 'basicAuth',
}

function expectedRule(r: ExpectedRoute): string {
  const host = `Host(\`${r.host}\`)`
  if (r.pathMatch === 'exact') return `${host} && Path(\`${r.path}\`)`
  return r.path === '/' ? host : `${host} && PathPrefix(\`${r.path}\`)`
}

describe('hostile input: injection through the API is rejected or rendered inert', () => {
  let t: TestApp
  let root: string
  let attempt: ReturnType<typeof createAttempts>['attempt']
  let counts: ReturnType<typeof createAttempts>['counts']
  let codes: Map<string, number>
  let projectId: string
  let paramServiceId: string
  const routes = new Map<string, ExpectedRoute>()
  const middlewares = new Map<string, ExpectedMiddleware>()
  const projects = new Set<string>()
  const services = new Map<string, string[]>()
  const envValues = new Map<string, string>()
  const composeProjects: string[] = []
  let domainCounter = 0

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root', 'instance'])
    ;({ attempt, counts, codes } = createAttempts(t, root))
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'injection' })).body.uuid
    projects.add(projectId)
  })
  after(async () => {
    await t.close()
    for (const p of composeProjects) await removeProject(p)
  })

  /** A fresh plain domain (no TLS: one router per route) in a project. */
  async function domain(project = projectId): Promise<{ id: string; host: string }> {
    const host = `d${++domainCounter}.injection.test`
    const res = await t.call(root, 'POST', `/api/v1/projects/${project}/domains`, { domain: host, tls: false })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return { id: res.body.id, host: res.body.full_domain }
  }

  /** A route as the API took it, recorded with what its rule must be. */
  function track(res: { body: any }, host: string) {
    routes.set(res.body.id, {
      id: res.body.id,
      host,
      path: res.body.path,
      pathMatch: res.body.path_match,
      middlewares: res.body.middlewares,
      url:
        res.body.target.url ??
        `http://${res.body.target.compose_service}.${res.body.target.service}:${res.body.target.port}`,
    })
  }

  it('refuses or keeps as plain text hostile project, service, database and server names', async () => {
    for (const [i, h] of HOSTILE.entries()) {
      const project = await attempt('POST', '/api/v1/projects', { name: h, description: h })
      if (project.status === 201) {
        projects.add(project.body.uuid)
        // A project's name is written into its Traefik file (a comment), so give it a live route.
        const d = await domain(project.body.uuid)
        const route = await attempt('POST', `/api/v1/domains/${d.id}/routes`, { target: { url: TARGET_URL } })
        assert.equal(route.status, 201, JSON.stringify(route.body))
        track(route, d.host)
        const renamed = await attempt('PATCH', `/api/v1/projects/${project.body.uuid}`, { name: `${h} renamed` })
        assert.ok(renamed.status === 200 || renamed.status === 400, JSON.stringify(renamed.body))
      }
      const service = await attempt('POST', `/api/v1/projects/${projectId}/services`, {
        name: h,
        compose: PLAIN_COMPOSE,
      })
      assert.equal(service.status, 400, `service name ${JSON.stringify(h)}: ${JSON.stringify(service.body)}`)
      const described = await attempt('POST', `/api/v1/projects/${projectId}/services`, {
        name: `described-${i}`,
        compose: PLAIN_COMPOSE,
        description: h,
        change_description: h.slice(0, 500),
      })
      if (described.status === 201) services.set(described.body.uuid, ['web'])
      for (const body of [
        { type: 'redis', name: h },
        { type: 'redis', name: `db-v-${i}`, version: h.slice(0, 64) },
        { type: 'redis', name: `db-i-${i}`, image: h.slice(0, 255) },
      ]) {
        const db = await attempt('POST', `/api/v1/projects/${projectId}/databases`, body)
        if (db.status === 201) services.set(db.body.uuid, ['redis'])
      }
      const server = await attempt('POST', '/api/v1/servers', {
        name: h.slice(0, 200),
        docker_host: 'ssh://berth@127.0.0.1:1',
        private_key: DUMMY_KEY,
      })
      if (server.status === 201) {
        assert.equal(server.body.name, h.slice(0, 200), 'a server name is kept as it was sent')
        assert.equal((await t.call(root, 'DELETE', `/api/v1/servers/${server.body.uuid}`)).status, 204)
      }
      for (const dockerHost of [`ssh://${h}@127.0.0.1`, `ssh://berth@${h}`, `unix://${h}`, h]) {
        const bad = await attempt('POST', '/api/v1/servers', {
          name: `host-${i}`,
          docker_host: dockerHost.slice(0, 500),
          private_key: DUMMY_KEY,
        })
        // Only unix sockets by path are let through; none of these can reach a command line as an option or word.
        if (bad.status === 201) {
          assert.match(bad.body.docker_host, /^unix:\/\/\/[A-Za-z0-9_./-]+$/, dockerHost)
          await t.call(root, 'DELETE', `/api/v1/servers/${bad.body.uuid}`)
        }
      }
    }
  })

  it('refuses hostile domains and subdomains with 400 invalid_domain', async () => {
    for (const h of HOSTILE) {
      for (const body of [
        { domain: h, tls: false },
        { domain: `${h}.injection.test`, tls: false },
        { domain: 'sub.injection.test', subdomain: h, tls: false },
        { domain: `x${h}`, tls: true, cert_resolver: h },
      ]) {
        const res = await attempt('POST', `/api/v1/projects/${projectId}/domains`, body)
        // An international name is a name (stored in punycode); nothing else gets through.
        if (res.status === 201) assert.match(res.body.full_domain, /^(?:[a-z0-9-]+\.)*xn--[a-z0-9-]+(?:\.[a-z0-9-]+)*$/)
        else assert.equal(res.status, 400, `${JSON.stringify(body)} was ${res.status}: ${JSON.stringify(res.body)}`)
      }
    }
    // International names are welcome, in punycode: nothing else of the input survives.
    const idn = await attempt('POST', `/api/v1/projects/${projectId}/domains`, { domain: 'bücher.test', tls: false })
    assert.equal(idn.status, 201)
    assert.equal(idn.body.full_domain, 'xn--bcher-kva.test')
    const route = await attempt('POST', `/api/v1/domains/${idn.body.id}/routes`, { target: { url: TARGET_URL } })
    track(route, idn.body.full_domain)
  })

  it('keeps hostile route paths, targets and health checks out of the rule syntax', async () => {
    const service = await attempt('POST', `/api/v1/projects/${projectId}/services`, {
      name: 'routed',
      compose: PLAIN_COMPOSE,
    })
    services.set(service.body.uuid, ['web'])
    const d = await domain()
    for (const [i, path] of HOSTILE_PATHS.entries()) {
      for (const pathMatch of ['prefix', 'exact']) {
        const res = await attempt('POST', `/api/v1/domains/${d.id}/routes`, {
          target: { url: TARGET_URL },
          path,
          path_match: pathMatch,
        })
        if (res.status === 201) {
          assert.equal(res.body.path, path, 'an accepted path is stored as it was sent')
          track(res, d.host)
        }
      }
      const h = HOSTILE[i % HOSTILE.length]!
      for (const target of [
        { url: h },
        { url: `http://${h}` },
        { url: `http://10.0.0.1:80/${h}` },
        { service: service.body.uuid, compose_service: h, port: 80 },
      ]) {
        const res = await attempt('POST', `/api/v1/domains/${d.id}/routes`, { target, path: `/target-${i}` })
        if (res.status === 201) {
          // Only a plain http(s)://host[:port] gets through, and it is dialled as it was sent.
          assert.match(res.body.target.url, /^https?:\/\/[A-Za-z0-9.-]+(?::\d+)?\/?$/, JSON.stringify(target))
          track(res, d.host)
        } else assert.equal(res.status, 400, `target ${JSON.stringify(target)}: ${JSON.stringify(res.body)}`)
      }
      for (const health_check of [{ path }, { path: '/health', hostname: h }, { path: '/health', interval: h }]) {
        const res = await attempt('POST', `/api/v1/domains/${d.id}/routes`, {
          target: { url: TARGET_URL },
          path: `/health-${i}`,
          health_check,
        })
        if (res.status === 201) {
          assert.deepEqual(res.body.health_check, health_check)
          track(res, d.host)
        }
      }
    }
    const routed = await attempt('POST', `/api/v1/domains/${d.id}/routes`, {
      target: { service: service.body.uuid, compose_service: 'web', port: 80 },
      path: '/routed',
    })
    assert.equal(routed.status, 201, JSON.stringify(routed.body))
    track(routed, d.host)
  })

  it('refuses hostile middleware values or renders them as the same plain values', async () => {
    const configs = (h: string, path: string): [string, unknown][] => [
      ['headers', { customResponseHeaders: { 'X-Injected': h } }],
      ['headers', { customRequestHeaders: { [h]: 'x' } }],
      ['headers', { referrerPolicy: h, contentSecurityPolicy: h }],
      ['headers', { accessControlAllowOriginList: [h] }],
      ['strip-prefix', { prefixes: [path] }],
      ['add-prefix', { prefix: path }],
      ['redirect-regex', { regex: h, replacement: h }],
      ['redirect-scheme', { scheme: 'https', port: h }],
      ['ip-allow-list', { sourceRange: [h] }],
      ['rate-limit', { average: 10, period: h }],
      ['compress', { excludedContentTypes: [h] }],
      ['basic-auth', { users: [{ username: h, password: 'long-enough-password' }], realm: h }],
    ]
    let n = 0
    for (const [i, h] of HOSTILE.entries()) {
      const named = await attempt('POST', `/api/v1/projects/${projectId}/middlewares`, {
        name: h,
        type: 'compress',
        config: {},
      })
      assert.equal(named.status, 400, `middleware name ${JSON.stringify(h)}`)
      for (const [type, config] of configs(h, HOSTILE_PATHS[i]!)) {
        const res = await attempt('POST', `/api/v1/projects/${projectId}/middlewares`, {
          name: `m${++n}`,
          type,
          config,
        })
        if (res.status === 201) middlewares.set(res.body.id, { id: res.body.id, type, config: config as any })
      }
    }
    // Rendered only when a route uses them: one route per accepted middleware.
    const d = await domain()
    for (const [i, m] of [...middlewares.values()].entries()) {
      const res = await attempt('POST', `/api/v1/domains/${d.id}/routes`, {
        target: { url: TARGET_URL },
        path: `/mw-${i}`,
        middlewares: [m.id],
      })
      if (res.status === 201) track(res, d.host)
      else middlewares.delete(m.id)
    }
    assert.ok(middlewares.size > 20, `only ${middlewares.size} middlewares were accepted: the readback checks little`)
  })

  it('refuses hostile env keys and keeps hostile env values exactly as sent', async () => {
    const id = (
      await t.call(root, 'POST', `/api/v1/projects/${projectId}/services`, {
        name: 'env-holder',
        compose: PLAIN_COMPOSE,
      })
    ).body.uuid
    services.set(id, ['web'])
    for (const [i, h] of HOSTILE.entries()) {
      const key = await attempt('PUT', `/api/v1/services/${id}/env`, { [h]: { value: 'x' } })
      assert.equal(key.status, 400, `env key ${JSON.stringify(h)}`)
      const value = await attempt('PUT', `/api/v1/services/${id}/env`, { [`K${i}`]: { value: h, secret: i % 2 === 0 } })
      assert.equal(value.status, 200, JSON.stringify(value.body))
      envValues.set(`K${i}`, h)
      const del = await attempt('DELETE', `/api/v1/services/${id}/env/${encodeURIComponent(h)}`)
      assert.equal(del.status >= 400, true)
    }
    const read = await t.call(root, 'GET', `/api/v1/services/${id}/env`)
    for (const [key, value] of envValues) assert.equal(read.body.env[key].value, value, key)
  })

  it('refuses or contains hostile parameter values and names: Compose sees only the declared service', async (ctx) => {
    const id = (
      await attempt('POST', `/api/v1/projects/${projectId}/services`, {
        name: 'parameterized',
        compose: PLAIN_COMPOSE,
      })
    ).body.uuid
    paramServiceId = id
    const initial = Object.fromEntries(PARAMS.map((p) => [p, { type: 'string', value: 'start' }]))
    assert.equal((await attempt('PUT', `/api/v1/services/${id}/parameters`, { parameters: initial })).status, 200)
    const current = (await t.call(root, 'GET', `/api/v1/services/${id}/compose`)).body.version
    const template = await attempt('PUT', `/api/v1/services/${id}/compose`, { yaml: TEMPLATE, base_version: current })
    assert.equal(template.status, 200, JSON.stringify(template.body))
    services.set(id, ['web'])
    /** Berth's reading of the rendered file against Compose's: one service, the same values. */
    async function check(p: string, h: string): Promise<'checked' | 'refused by Compose'> {
      const what = `${p}=${JSON.stringify(h)}`
      const rendered = (await t.call(root, 'GET', `/api/v1/services/${id}/compose`)).body.rendered_yaml
      parseRendered(rendered, `the compose file with ${what}`)
      // Berth's own reading (the one its checks use, !reset applied as Compose does).
      const berth = parseYamlSafely(rendered)
      assert.ok(berth.ok, `Berth stored a file it cannot read: ${what}`)
      const doc = berth.value as any
      assert.deepEqual(Object.keys(doc), ['services'])
      assert.deepEqual(Object.keys(doc.services), ['web'], `${what} added a service`)
      const compose = composeConfig(rendered)
      if (compose === null) return 'refused by Compose'
      assert.deepEqual(Object.keys(compose.services), ['web'], `Compose reads another service from ${what}`)
      // Where Berth reads the value as one string, Compose must read the same string (a "$"
      // aside: Compose interpolates it, as documented for parameters).
      if (p === 'label') {
        const label = (doc.services.web.labels as string[])[0]!.slice('berth.test='.length)
        if (!label.includes('$')) assert.equal(composeValue(compose.services.web.labels['berth.test']), label, what)
      } else {
        const key = p.toUpperCase()
        const ours = doc.services.web.environment[key]
        const theirs = compose.services.web.environment?.[key]
        // An empty plain value is null to both; Compose then leaves the variable out (or empty).
        if (ours === null || ours === undefined) assert.ok(!theirs, what)
        else if (!String(ours).includes('$')) assert.equal(composeValue(theirs), String(ours), what)
      }
      return 'checked'
    }
    let checked = 0
    let refusedByCompose = 0
    for (const h of HOSTILE) {
      const name = await attempt('PUT', `/api/v1/services/${id}/parameters`, {
        parameters: { [h]: { type: 'string', value: 'x' } },
      })
      assert.equal(name.status, 400, `parameter name ${JSON.stringify(h)}`)
      for (const p of PARAMS) {
        const res = await attempt('PUT', `/api/v1/services/${id}/parameters`, {
          parameters: { [p]: { type: 'string', value: h } },
        })
        if (res.status !== 200) continue
        try {
          if ((await check(p, h)) === 'checked') checked++
          else refusedByCompose++
        } finally {
          // The next value is tried alone.
          await t.call(root, 'PUT', `/api/v1/services/${id}/parameters`, {
            parameters: { [p]: { type: 'string', value: 'start' } },
          })
        }
      }
    }
    ctx.diagnostic(
      `parameters: ${checked} accepted values read alike by Berth and Compose, ${refusedByCompose} refused by Compose`,
    )
    assert.ok(checked > 20, `only ${checked} parameter values were accepted`)
  })

  it('reads every compose file it stores as Compose does: hostile text in the template itself', async (ctx) => {
    const id = (
      await attempt('POST', `/api/v1/projects/${projectId}/services`, { name: 'templated', compose: PLAIN_COMPOSE })
    ).body.uuid
    const contexts = [
      (h: string) => `services:\n  web:\n    image: ${TEST_IMAGE}\n    environment:\n      V: ${h}\n`,
      (h: string) => `services:\n  web:\n    image: ${TEST_IMAGE}\n    environment:\n      V: "${h}"\n`,
      (h: string) => `# ${h}\nservices:\n  web:\n    image: ${TEST_IMAGE}\n`,
      (h: string) => `services:\n  web:\n    image: ${TEST_IMAGE} # ${h}\n`,
    ]
    let agreed = 0
    let refused = 0
    for (const h of HOSTILE) {
      for (const template of contexts) {
        const version = (await t.call(root, 'GET', `/api/v1/services/${id}/compose`)).body.version
        const res = await attempt('PUT', `/api/v1/services/${id}/compose`, { yaml: template(h), base_version: version })
        if (res.status !== 200) continue
        const rendered = (await t.call(root, 'GET', `/api/v1/services/${id}/compose`)).body.rendered_yaml
        const berth = parseYamlSafely(rendered)
        assert.ok(berth.ok, `Berth stored a file it cannot read: ${JSON.stringify(template(h))}`)
        const compose = composeConfig(rendered)
        if (compose === null) {
          refused++
          continue
        }
        // The services Berth checked and attaches to the proxy network are the ones Compose runs.
        assert.deepEqual(
          Object.keys(compose.services).sort(),
          Object.keys((berth.value as any).services).sort(),
          `Berth and Compose read different services from ${JSON.stringify(template(h))}`,
        )
        agreed++
      }
    }
    const last = (await t.call(root, 'GET', `/api/v1/services/${id}/compose`)).body.version
    await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, { yaml: PLAIN_COMPOSE, base_version: last })
    services.set(id, ['web'])
    ctx.diagnostic(
      `compose templates: ${agreed} stored files read alike by Berth and Compose, ${refused} refused by Compose`,
    )
  })

  it('refuses path traversal in every path-like parameter', async () => {
    const traversals = [
      '../../../../etc/passwd',
      '..%2f..%2f..%2fetc%2fpasswd',
      '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/etc/passwd',
      'dynamic/../../../app.key',
      'dynamic/..%2f..%2fapp.key',
      '....//....//app.key',
      'dynamic\\..\\..\\app.key',
      '../app.key',
      'static/../../berth.db',
      '.',
      'dynamic/./berth-shared.yml',
    ]
    for (const path of traversals) {
      const res = await attempt('GET', `/api/v1/proxy/files/content?path=${encodeURIComponent(path)}`)
      assert.ok(res.status === 400 || res.status === 404, `${path}: ${res.status}`)
      const raw = await attempt('GET', `/api/v1/proxy/files/content?path=${path}`)
      assert.ok(raw.status === 400 || raw.status === 404, `${path} (unencoded): ${raw.status}`)
    }
    for (const segment of [
      '..%2f..%2fetc%2fpasswd',
      '%2e%2e',
      '..',
      '..%252f',
      '%zz',
      '%c0%ae%c0%ae',
      '%',
      'x'.repeat(300),
    ]) {
      for (const url of [
        `/api/v1/backups/${segment}/download`,
        `/api/v1/services/${segment}/compose`,
        `/api/v1/services/${paramServiceId}/env/${segment}`,
        `/api/v1/proxy/files/content?path=dynamic%2F${segment}%2Fapp.key`,
      ]) {
        const method = url.includes('/env/') ? 'DELETE' : 'GET'
        const res = await attempt(method, url)
        assert.ok([400, 404, 414].includes(res.status), `${method} ${url}: ${res.status}`)
      }
    }
    // A setting with a traversal is a path Traefik reads, never one Berth writes.
    const setting = await attempt('PUT', '/api/v1/settings', { traefik_dynamic_dir: '/etc/traefik/../../tmp' })
    if (setting.status === 200)
      await t.call(root, 'PUT', '/api/v1/settings', { traefik_dynamic_dir: '/etc/traefik/dynamic' })
  })

  it('renders exactly the routers, services and middlewares created, each rule from its host and path', async () => {
    await t.app.proxySync.runNow()
    const dynamicDir = join(t.app.config.proxyDir, 'dynamic')
    const seen = {
      routers: new Map<string, any>(),
      services: new Map<string, any>(),
      middlewares: new Map<string, any>(),
    }
    const files = readdirSync(dynamicDir).filter((f) => f.endsWith('.yml'))
    for (const file of files) {
      const text = readFileSync(join(dynamicDir, file), 'utf8')
      const doc = parseRendered(text, file)
      assert.deepEqual(traefikDynamicSchemaErrors(doc), [], `${file} against Traefik's schema`)
      assert.deepEqual(Object.keys(doc), ['http'], `${file} holds only http configuration`)
      if (file === 'berth-shared.yml') continue
      assert.match(file, /^project-[0-9a-f-]{36}\.yml$/)
      assert.ok(projects.has(file.slice(8, -4)), `${file} is a project the test created`)
      for (const kind of ['routers', 'services', 'middlewares'] as const) {
        for (const [name, value] of Object.entries(doc.http[kind] ?? {})) {
          assert.ok(!seen[kind].has(name), `${kind} ${name} appears twice`)
          seen[kind].set(name, value)
        }
      }
    }
    const expectedRouters = [...routes.keys()].map((id) => `route-${id}`).sort()
    assert.deepEqual([...seen.routers.keys()].sort(), expectedRouters, 'routers are exactly the routes created')
    assert.deepEqual([...seen.services.keys()].sort(), expectedRouters, 'services are exactly the routes created')
    const expectedMiddlewares = [...middlewares.keys()].map((id) => `mw-${id}`).sort()
    assert.deepEqual([...seen.middlewares.keys()].sort(), expectedMiddlewares)
    for (const route of routes.values()) {
      const router = seen.routers.get(`route-${route.id}`)
      assert.equal(router.rule, expectedRule(route), `the rule of ${route.path}`)
      assert.deepEqual(
        router.middlewares ?? [],
        route.middlewares.map((m) => `mw-${m}@file`),
      )
      assert.deepEqual(router.entryPoints, ['web'])
      assert.deepEqual(
        Object.keys(router).sort(),
        ['entryPoints', 'rule', 'service', ...(router.middlewares ? ['middlewares'] : [])].sort(),
      )
      assert.equal(router.service, `route-${route.id}@file`)
      assert.deepEqual(seen.services.get(`route-${route.id}`).loadBalancer.servers, [{ url: route.url }])
    }
    for (const m of middlewares.values()) {
      const rendered = seen.middlewares.get(`mw-${m.id}`)
      assert.deepEqual(Object.keys(rendered), [TRAEFIK_KEY[m.type]])
      const value = rendered[TRAEFIK_KEY[m.type]!]
      if (m.type === 'basic-auth') {
        const user = m.config.users[0]
        assert.equal(value.users.length, 1)
        assert.ok(value.users[0].startsWith(`${user.username}:$2y$`), 'the user name as sent, then its hash')
        assert.equal(value.realm, m.config.realm)
      } else if (m.type === 'compress') assert.deepEqual(value, { minResponseBodyBytes: 1024, ...m.config })
      else assert.deepEqual(value, m.config, `${m.type} is rendered with the values sent`)
    }
    // The HTTP provider document says the same thing (with @http references).
    const provider = await t.call(root, 'GET', '/api/v1/proxy/traefik/dynamic')
    assert.equal(provider.status, 200)
    const routers = Object.keys(provider.body.http.routers).sort()
    assert.deepEqual(routers, expectedRouters)
    for (const route of routes.values())
      assert.equal(provider.body.http.routers[`route-${route.id}`].rule, expectedRule(route))
    assert.deepEqual(
      Object.keys(provider.body.http.middlewares ?? {}).sort(),
      [...expectedMiddlewares, 'berth-redirect-https'].sort(),
    )
  })

  it('deploys hostile env and parameter values as single values, and writes nothing outside the data dir', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const keys = [...envValues.keys()].filter((k) => !envValues.get(k)!.includes('\0'))
    const compose = `services:
  web:
    image: ${TEST_IMAGE}
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    environment:
${keys.map((k) => `      ${k}: \${${k}}`).join('\n')}
      PARAM: "{{berth.quoted}}"
`
    const id = (
      await attempt('POST', `/api/v1/projects/${projectId}/services`, {
        name: 'deployed',
        compose: PLAIN_COMPOSE,
      })
    ).body.uuid
    composeProjects.push(composeProjectName(id))
    services.set(id, ['web'])
    const hostileParam = HOSTILE.find((h) => h.startsWith('$(touch'))!
    const params = await attempt('PUT', `/api/v1/services/${id}/parameters`, {
      parameters: { quoted: { type: 'string', value: hostileParam } },
    })
    assert.equal(params.status, 200)
    const saved = await attempt('PUT', `/api/v1/services/${id}/compose`, {
      yaml: compose,
      base_version: params.body.version,
    })
    assert.equal(saved.status, 200, JSON.stringify(saved.body))
    const env = Object.fromEntries(keys.map((k) => [k, { value: envValues.get(k)!, secret: k.endsWith('0') }]))
    assert.equal((await attempt('PUT', `/api/v1/services/${id}/env`, env)).status, 200)
    const deploymentId = await deploy(t, root, id)
    const done = await waitForEnd(t, root, deploymentId)
    assert.equal(done.status, 'finished', await logText(t, root, deploymentId))

    const workDir = join(t.dataDir, 'work', id)
    assert.deepEqual(readdirSync(workDir).sort(), ['.env', 'compose.yaml'])
    const written = readFileSync(join(workDir, 'compose.yaml'), 'utf8')
    const doc = parseRendered(written, 'the deployed compose.yaml')
    assert.deepEqual(Object.keys(doc.services), ['web'])
    // Compose's reading of the files Berth wrote, interpolation from .env included.
    const resolved = composeConfig(written, workDir, join(workDir, '.env'))
    assert.deepEqual(Object.keys(resolved.services), ['web'])
    const environment = resolved.services.web.environment as Record<string, string>
    assert.deepEqual(Object.keys(environment).sort(), [...keys, 'PARAM'].sort(), 'one variable per key, no more')
    for (const k of keys)
      assert.equal(composeValue(environment[k]!), envValues.get(k), `${k} reaches Compose as one value`)
    assert.equal(composeValue(environment.PARAM!), hostileParam)
    // And the container has exactly these values (Docker's view, not Compose's).
    const { stdout } = await docker([
      'ps',
      '--quiet',
      '--filter',
      `label=com.docker.compose.project=${composeProjectName(id)}`,
    ])
    const container = stdout.trim().split('\n')[0]!
    const inspected = JSON.parse((await docker(['inspect', '--format', '{{json .Config.Env}}', container])).stdout)
    const byKey = new Map<string, string>()
    for (const entry of inspected as string[]) {
      const eq = entry.indexOf('=')
      byKey.set(entry.slice(0, eq), entry.slice(eq + 1))
    }
    for (const k of keys) assert.equal(byKey.get(k), envValues.get(k), `${k} in the container`)
    assert.equal(byKey.get('PARAM'), hostileParam)

    const dataFiles = assertDataDirClean(t.dataDir)
    assert.ok(dataFiles.some((f) => f === `work/${id}/.env`))
  })

  it('reads back what was rendered for every service: Compose sees only the declared services', async () => {
    for (const [id, declared] of services) {
      const current = await t.call(root, 'GET', `/api/v1/services/${id}/compose`)
      assert.equal(current.status, 200)
      const doc = parseRendered(current.body.rendered_yaml, `service ${id}`)
      assert.deepEqual(Object.keys(doc.services), declared)
      const compose = composeConfig(current.body.rendered_yaml)
      if (compose !== null) assert.deepEqual(Object.keys(compose.services), declared)
    }
  })

  it('left no marker of a shell or a traversal anywhere, and counts what it tried', (ctx) => {
    const dirs = assertNoMarkerFiles(t.dataDir)
    assertDataDirClean(t.dataDir)
    assert.ok(counts.tried > 1000, `only ${counts.tried} injections were tried`)
    ctx.diagnostic(
      `injection: ${counts.tried} hostile requests (${counts.rejected} refused with a 4xx, ${counts.accepted} accepted and read back), ` +
        `${routes.size} routes, ${middlewares.size} middlewares, ${services.size} compose files, ${envValues.size} env values checked; ` +
        `no marker file in ${dirs} directories; refusal codes ${JSON.stringify(Object.fromEntries(codes))}`,
    )
  })
})

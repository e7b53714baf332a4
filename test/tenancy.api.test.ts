// Two teams on one Berth, driven through the HTTP API: each finding of the tenancy issue is
// closed (401/403/404 as described, no foreign data in any answer), and teams, members,
// invitations, disabled users and password resets work as a user of such a tool expects.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { ADMIN_PASSWORD, startTestApp, type TestApp } from './support/harness.js'

const COMPOSE = 'services:\n  web:\n    image: nginx:1.27\n'

describe('tenancy: instance administrators, team boundaries, members', () => {
  let t: TestApp
  let admin: string // an instance administrator of team A
  let ownerA: string // team A's owner without the instance role
  let ownerB: string // team B's owner (the "second team's admin" of the issue)
  let projectA: string
  let serviceA: string
  let defaultServer: string

  before(async () => {
    t = await startTestApp()
    admin = await t.token(['root', 'instance'], 'Team A')
    ownerA = await t.token(['root'], 'Team A')
    ownerB = await t.token(['root'], 'Team B')
    projectA = (await t.call(admin, 'POST', '/api/v1/projects', { name: 'shop-a' })).body.uuid
    serviceA = (await t.call(admin, 'POST', `/api/v1/projects/${projectA}/services`, { name: 'web', compose: COMPOSE }))
      .body.uuid
    const domain = await t.call(admin, 'POST', `/api/v1/projects/${projectA}/domains`, {
      domain: 'secret-a.example.com',
      tls: false,
    })
    assert.equal(domain.status, 201, JSON.stringify(domain.body))
    const route = await t.call(admin, 'POST', `/api/v1/domains/${domain.body.id}/routes`, {
      target: { url: 'http://10.0.0.2' },
    })
    assert.equal(route.status, 201, JSON.stringify(route.body))
    await t.app.proxySync.runNow()
    defaultServer = (await t.call(admin, 'GET', '/api/v1/servers')).body.servers.find((s: any) => s.default).uuid
  })
  after(() => t.close())

  it("refuses instance-wide powers to another team's owner", async () => {
    const refused: [string, string, unknown?][] = [
      ['PUT', '/api/v1/settings', { letsencrypt_email: 'evil@example.com' }],
      ['POST', '/api/v1/backups'],
      ['GET', '/api/v1/backups'],
      ['PATCH', `/api/v1/servers/${defaultServer}`, { name: 'renamed' }],
      ['DELETE', `/api/v1/servers/${defaultServer}`],
      ['POST', `/api/v1/servers/${defaultServer}/check`],
      ['POST', '/api/v1/servers', { name: 'shared-b', docker_host: 'unix:///var/run/docker.sock', shared: true }],
      ['POST', '/api/v1/proxy/sync'],
      ['GET', '/api/v1/proxy/traefik/dynamic'],
      ['POST', '/api/v1/teams', { name: 'Team C' }],
      ['GET', '/api/v1/instance/teams'],
      ['GET', '/api/v1/users'],
    ]
    for (const [method, url, body] of refused) {
      const res = await t.call(ownerB, method as never, url, body)
      assert.equal(res.status, 403, `${method} ${url}: ${JSON.stringify(res.body)}`)
    }
    const settings = await t.call(admin, 'GET', '/api/v1/settings')
    assert.notEqual(settings.body.letsencrypt_email, 'evil@example.com')
  })

  it("shows a team its own projects' proxy files and status, never another team's", async () => {
    for (const url of ['/api/v1/proxy/status', '/api/v1/proxy/files']) {
      const res = await t.call(ownerB, 'GET', url)
      assert.equal(res.status, 200)
      assert.doesNotMatch(JSON.stringify(res.body), new RegExp(`${projectA}|secret-a`), url)
    }
    const file = `dynamic/project-${projectA}.yml`
    const foreign = await t.call(ownerB, 'GET', `/api/v1/proxy/files/content?path=${encodeURIComponent(file)}`)
    assert.equal(foreign.status, 404)
    assert.doesNotMatch(JSON.stringify(foreign.body), /secret-a/)
    const own = await t.call(ownerA, 'GET', '/api/v1/proxy/files')
    assert.ok(
      own.body.files.some((f: any) => f.path === file),
      'team A sees its own project file',
    )
    const all = await t.call(admin, 'GET', '/api/v1/proxy/status')
    assert.equal(typeof all.body.proxy_dir, 'string', 'instance administrators see where the files live')
    assert.equal((await t.call(ownerA, 'GET', '/api/v1/proxy/status')).body.proxy_dir, null)
  })

  it('answers 404 for the deployment history of a resource the team never had', async () => {
    assert.equal((await t.call(ownerB, 'GET', `/api/v1/deployments/services/${serviceA}`)).status, 404)
    assert.equal((await t.call(ownerA, 'GET', `/api/v1/deployments/services/${serviceA}`)).status, 200)
  })

  it('lets a read-only token read servers but not run a check on them', async () => {
    const reader = await t.token(['read'], 'Team A')
    assert.equal((await t.call(reader, 'GET', '/api/v1/servers')).status, 200)
    assert.equal((await t.call(reader, 'POST', `/api/v1/servers/${defaultServer}/check`)).status, 403)
  })

  it('finds the default server by its flag: renaming it changes nothing else; it cannot be deleted', async () => {
    const renamed = await t.call(admin, 'PATCH', `/api/v1/servers/${defaultServer}`, { name: 'main-engine' })
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body))
    assert.equal(renamed.body.default, true)
    const queued = await t.call(ownerA, 'POST', '/api/v1/deploy', { uuid: serviceA })
    assert.equal(queued.status, 202, 'a deployment still finds the default server after the rename')
    await t.call(ownerA, 'POST', `/api/v1/deployments/${queued.body.deployments[0].deployment_uuid}/cancel`)
    const del = await t.call(admin, 'DELETE', `/api/v1/servers/${defaultServer}`)
    assert.equal(del.status, 409)
  })

  it('lets a team add a private server, refuses deleting one that has resources, and hides it from others', async () => {
    const created = await t.call(ownerA, 'POST', '/api/v1/servers', {
      name: 'a-private',
      docker_host: 'unix:///var/run/docker.sock',
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal(created.body.shared, false)
    const placed = await t.call(ownerA, 'PUT', `/api/v1/services/${serviceA}/server`, {
      server_uuid: created.body.uuid,
    })
    assert.equal(placed.status, 200, JSON.stringify(placed.body))
    assert.equal((await t.call(ownerA, 'DELETE', `/api/v1/servers/${created.body.uuid}`)).status, 409)
    assert.equal((await t.call(ownerB, 'GET', `/api/v1/servers/${created.body.uuid}`)).status, 404)
  })

  async function login(email: string, password = ADMIN_PASSWORD) {
    const res = await t.server.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })
    return { status: res.statusCode, cookie: String(res.headers['set-cookie']).split(';')[0]! }
  }
  async function withCookie(cookie: string, method: string, url: string, payload?: unknown) {
    const res = await t.server.inject({ method: method as never, url, headers: { cookie }, payload: payload as never })
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined }
  }

  it('invites by a one-time link, the new member sees only the team, roles change at once, the last owner stays', async () => {
    const invite = await t.call(ownerA, 'POST', '/api/v1/team/invitations', { role: 'member' })
    assert.equal(invite.status, 201, JSON.stringify(invite.body))
    assert.match(invite.body.path, /^\/invite\//)
    const listed = await t.call(ownerA, 'GET', '/api/v1/team/invitations')
    assert.doesNotMatch(JSON.stringify(listed.body), new RegExp(invite.body.token), 'the token is shown once only')
    const described = await t.call(undefined, 'GET', `/api/v1/invitations/${invite.body.token}`)
    assert.deepEqual([described.body.team_name, described.body.role], ['Team A', 'member'])

    const email = `newbie-${Date.now()}@example.com`
    const accepted = await t.call(undefined, 'POST', `/api/v1/invitations/${invite.body.token}/accept`, {
      email,
      password: 'a-good-password',
    })
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body))
    const again = await t.call(undefined, 'POST', `/api/v1/invitations/${invite.body.token}/accept`, {
      email: `other-${email}`,
      password: 'a-good-password',
    })
    assert.equal(again.status, 404, 'a link works once')

    const session = await login(email, 'a-good-password')
    assert.equal(session.status, 200)
    const projects = await withCookie(session.cookie, 'GET', '/api/v1/projects')
    assert.deepEqual(
      projects.body.projects.map((p: any) => p.uuid),
      [projectA],
    )

    const members = (await t.call(ownerA, 'GET', '/api/v1/team/members')).body.members
    const newbie = members.find((m: any) => m.email === email)
    const demoted = await t.call(ownerA, 'PATCH', `/api/v1/team/members/${newbie.user_uuid}`, { role: 'viewer' })
    assert.equal(demoted.status, 200)
    const write = await withCookie(session.cookie, 'POST', '/api/v1/projects', { name: 'viewer-try' })
    assert.equal(write.status, 403, 'a viewer cannot write, from the next request on')

    // A member without "members" cannot invite; an admin cannot make owners.
    assert.equal((await withCookie(session.cookie, 'POST', '/api/v1/team/invitations', { role: 'viewer' })).status, 403)

    const removed = await t.call(ownerA, 'DELETE', `/api/v1/team/members/${newbie.user_uuid}`)
    assert.equal(removed.status, 204)
    assert.equal((await withCookie(session.cookie, 'GET', '/api/v1/projects')).status, 401, 'sessions end with removal')
  })

  it('keeps the last owner of a team: it can neither leave nor give up the role', async () => {
    const email = `solo-${Date.now()}@example.com`
    await t.app.users.create(
      { email, password: ADMIN_PASSWORD, admin: true, teamName: `Solo ${Date.now()}` },
      SYSTEM_ACTOR,
    )
    const session = await login(email)
    const me = (await withCookie(session.cookie, 'GET', '/api/v1/me')).body
    const leave = await withCookie(session.cookie, 'POST', '/api/v1/team/leave')
    assert.equal(leave.status, 409)
    assert.equal(leave.body.error.code, 'last_owner')
    const demote = await withCookie(session.cookie, 'PATCH', `/api/v1/team/members/${me.user.id}`, { role: 'admin' })
    assert.equal(demote.status, 409)
    const members = (await withCookie(session.cookie, 'GET', '/api/v1/team/members')).body.members
    assert.deepEqual(
      members.map((m: any) => [m.email, m.role]),
      [[email, 'owner']],
    )
  })

  it('switches the current team of a session between teams the user belongs to', async () => {
    const email = `two-teams-${Date.now()}@example.com`
    const invite = (await t.call(ownerB, 'POST', '/api/v1/team/invitations', { role: 'member' })).body
    await t.call(undefined, 'POST', `/api/v1/invitations/${invite.token}/accept`, {
      email,
      password: 'a-good-password',
    })
    const invite2 = (await t.call(ownerA, 'POST', '/api/v1/team/invitations', { role: 'viewer' })).body
    await t.call(undefined, 'POST', `/api/v1/invitations/${invite2.token}/accept`, {
      email,
      password: 'a-good-password',
    })
    const session = await login(email, 'a-good-password')
    const teams = (await withCookie(session.cookie, 'GET', '/api/v1/teams')).body
    assert.equal(teams.teams.length, 2)
    const teamA = teams.teams.find((x: any) => x.name === 'Team A')
    assert.equal(
      (await withCookie(session.cookie, 'POST', '/api/v1/auth/switch-team', { team_uuid: teamA.uuid })).status,
      204,
    )
    const me = (await withCookie(session.cookie, 'GET', '/api/v1/me')).body
    assert.equal(me.team_id, teamA.uuid)
    assert.deepEqual(me.abilities, ['read'], 'the role of the team switched to')
    const foreign = await withCookie(session.cookie, 'POST', '/api/v1/auth/switch-team', {
      team_uuid: '00000000-0000-4000-8000-000000000000',
    })
    assert.equal(foreign.status, 404)
  })

  it('disables a user at once (sessions and tokens), and resets a password by a one-time link', async () => {
    const email = `victim-${Date.now()}@example.com`
    const user = await t.app.users.create({ email, password: ADMIN_PASSWORD, teamName: 'Team A' }, SYSTEM_ACTOR)
    const session = await login(email)
    const token = await withCookie(session.cookie, 'POST', '/api/v1/tokens', { name: 'mine', abilities: ['read'] })
    assert.equal(token.status, 201, JSON.stringify(token.body))

    assert.equal((await t.call(ownerA, 'PATCH', `/api/v1/users/${user.id}`, { disabled: true })).status, 403)
    const disabled = await t.call(admin, 'PATCH', `/api/v1/users/${user.id}`, { disabled: true })
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body))
    assert.equal((await withCookie(session.cookie, 'GET', '/api/v1/me')).status, 401)
    assert.equal((await t.call(token.body.token, 'GET', '/api/v1/me')).status, 401)
    assert.equal((await login(email)).status, 403)
    await t.call(admin, 'PATCH', `/api/v1/users/${user.id}`, { disabled: false })

    const reset = await t.call(admin, 'POST', `/api/v1/users/${user.id}/password-reset`)
    assert.equal(reset.status, 201)
    const described = await t.call(undefined, 'GET', `/api/v1/password-resets/${reset.body.token}`)
    assert.equal(described.body.email, email)
    const set = await t.call(undefined, 'POST', `/api/v1/password-resets/${reset.body.token}`, {
      password: 'brand-new-password',
    })
    assert.equal(set.status, 204)
    assert.equal((await login(email)).status, 401, 'the old password no longer works')
    assert.equal((await login(email, 'brand-new-password')).status, 200)
    assert.equal(
      (await t.call(undefined, 'POST', `/api/v1/password-resets/${reset.body.token}`, { password: 'another-one-1' }))
        .status,
      404,
      'a reset link works once',
    )
  })

  it('keeps the last instance administrator, and writes instance actions with no team', async () => {
    const myId = (await t.call(admin, 'GET', '/api/v1/me')).body.user.id
    const users = (await t.call(admin, 'GET', '/api/v1/users')).body.users
    for (const u of users.filter((u: any) => u.instance_admin && u.uuid !== myId)) {
      const res = await t.call(admin, 'PATCH', `/api/v1/users/${u.uuid}`, { instance_admin: false })
      assert.equal(res.status, 200, JSON.stringify(res.body))
    }
    const last = await t.call(admin, 'PATCH', `/api/v1/users/${myId}`, { instance_admin: false })
    assert.equal(last.status, 409)
    assert.equal(last.body.error.code, 'last_instance_admin')
    const feedB = JSON.stringify((await t.call(ownerB, 'GET', '/api/v1/audit')).body)
    assert.doesNotMatch(feedB, /user\.updated|user\.password_reset_created/, 'instance actions stay out of team feeds')
    const feedAdmin = JSON.stringify((await t.call(admin, 'GET', '/api/v1/audit')).body)
    assert.match(feedAdmin, /user\.updated/, 'instance administrators see them')
  })
})

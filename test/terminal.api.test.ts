// The web terminal over a real WebSocket on a real port, into a real container: the shell answers
// and follows resizes, each session leaves an opened and a closed audit row (never the keystrokes),
// a terminal ends when its credential is revoked or nobody types, and ssh:// servers work alike.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { createService, deploy, waitForFinished } from './support/deploy-helpers.js'
import { TEST_IMAGE, removeProject, requireDocker, waitFor } from './support/docker.js'
import { ADMIN_PASSWORD, startTestApp, type TestApp } from './support/harness.js'
import { requireSshd, startSshd, type TestSshd } from './support/sshd.js'

const COMPOSE = `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n`
const IDLE_SECONDS = 3

/** An open terminal: everything it printed so far, and how it ended. */
function connect(url: string, headers: Record<string, string>) {
  const socket = new WebSocket(url, { headers })
  let output = ''
  socket.on('message', (data) => (output += data.toString()))
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  const refused = new Promise<number | string>((resolve) => {
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    socket.on('open', () => resolve('opened'))
    socket.on('error', (error) => resolve(error.message))
  })
  const opened = new Promise<void>((resolve) => socket.on('open', () => resolve()))
  return {
    socket,
    opened,
    closed,
    refused,
    output: () => output,
    type: (data: string) => socket.send(JSON.stringify({ type: 'input', data })),
    until: (pattern: RegExp) =>
      waitFor(`terminal output ${pattern}`, async () => pattern.test(output), 15_000).catch((error) => {
        throw new Error(`${error.message}; it printed ${JSON.stringify(output)}`)
      }),
  }
}

describe('web terminal', () => {
  let t: TestApp
  let base: string
  let owner: string
  let serviceId = ''
  let sshd: TestSshd | undefined

  before(async () => {
    t = await startTestApp({ BERTH_TERMINAL_IDLE_SECONDS: String(IDLE_SECONDS) })
    await t.server.listen({ port: 0, host: '127.0.0.1' })
    const address = t.server.server.address()
    assert.ok(address && typeof address === 'object')
    base = `127.0.0.1:${address.port}`
    owner = await t.token(['root'])
  })
  after(async () => {
    await t?.close()
    await sshd?.stop()
    if (serviceId) await removeProject(composeProjectName(serviceId))
  })

  const urlOf = (query = '') => `ws://${base}/api/v1/services/${serviceId}/terminal${query}`

  it('runs commands in the container, follows resizes and audits the session without its keystrokes', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const project = (await t.call(owner, 'POST', '/api/v1/projects', { name: 'term' })).body.uuid
    serviceId = await createService(t, owner, project, 'shell', COMPOSE)
    await waitForFinished(t, owner, await deploy(t, owner, serviceId))

    // A plain GET says which container the shell would open in, and where.
    const plain = await t.call(owner, 'GET', `/api/v1/services/${serviceId}/terminal`)
    assert.equal(plain.status, 200, JSON.stringify(plain.body))
    assert.match(plain.body.container, /^berth-.*app/)

    const term = connect(urlOf('?cols=100&rows=30'), { authorization: `Bearer ${owner}` })
    await term.opened
    await term.until(/# /)
    term.type('stty size; echo secret-$((6*7))\n')
    await term.until(/30 100\r\n/)
    await term.until(/secret-42/)
    term.socket.send(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }))
    await new Promise((r) => setTimeout(r, 300))
    term.type('stty size\n')
    await term.until(/40 120\r\n/)
    term.socket.close()
    await term.closed

    const rows = await waitFor('the closing audit row', async () => {
      const audit = (await t.call(owner, 'GET', '/api/v1/audit?limit=50')).body.items as any[]
      const mine = audit.filter((a) => a.action.startsWith('terminal.') && a.resource_id === serviceId)
      return mine.length === 2 ? mine : undefined
    })
    assert.deepEqual(rows.map((r) => r.action).sort(), ['terminal.closed', 'terminal.opened'])
    assert.match(JSON.stringify(rows), /berth-.*app/)
    assert.doesNotMatch(JSON.stringify(rows), /secret|stty/)
    // The shell itself ended with the page: no exec lingers in the container.
    const status = (await t.call(owner, 'GET', `/api/v1/services/${serviceId}/status`)).body
    const ps = await waitFor('the shell to end', async () => {
      const { execFileSync } = await import('node:child_process')
      const out = execFileSync('docker', ['top', status.containers[0].id]).toString()
      return /\bsh\b/.test(out.replace(/sleep 600/g, '')) ? undefined : out
    })
    assert.doesNotMatch(ps, /bash|\bsh\b -c/)
  })

  it('refuses another site, a caller without the terminal ability, and another team', async (ctx) => {
    if (!(await requireDocker(ctx)) || !serviceId) return
    const email = `term-${Date.now()}@example.com`
    await t.app.users.create({ email, password: ADMIN_PASSWORD, admin: true, teamName: 'Default' }, SYSTEM_ACTOR)
    const login = await fetch(`http://${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: ADMIN_PASSWORD }),
    })
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
    const evil = connect(urlOf(), { cookie, origin: 'http://evil.example' })
    assert.equal(await evil.refused, 403)
    const deployer = await t.token(['read', 'read:sensitive', 'write', 'deploy'])
    assert.equal(await connect(urlOf(), { authorization: `Bearer ${deployer}` }).refused, 403)
    const stranger = await t.token(['root'], 'Other team')
    assert.equal(await connect(urlOf(), { authorization: `Bearer ${stranger}` }).refused, 404)
    // The same person from Berth's own page gets a shell.
    const own = connect(urlOf(), { cookie, origin: `http://${base}` })
    await own.opened
    own.socket.close()
  })

  it('ends a terminal whose token is revoked, and one nobody types into', async (ctx) => {
    if (!(await requireDocker(ctx)) || !serviceId) return
    const token = await t.token(['read', 'terminal'])
    const term = connect(urlOf(), { authorization: `Bearer ${token}` })
    await term.opened
    const principal = await t.app.tokens.authenticate(token, null)
    await t.app.tokens.revoke(principal!.teamId, principal!.tokenId!, SYSTEM_ACTOR)
    assert.equal((await term.closed).code, 4001)

    const idle = connect(urlOf(), { authorization: `Bearer ${owner}` })
    await idle.opened
    const started = Date.now()
    const closed = await idle.closed
    assert.equal(closed.code, 4002, closed.reason)
    assert.ok(Date.now() - started >= (IDLE_SECONDS - 1) * 1000)
  })

  it('opens the same shell through a server reached over ssh://', async (ctx) => {
    if (!(await requireDocker(ctx)) || !requireSshd(ctx) || !serviceId) return
    sshd = await startSshd()
    const server = await t.call(owner, 'POST', '/api/v1/servers', {
      name: 'terminal-over-ssh',
      docker_host: `ssh://root@127.0.0.1:${sshd.port}`,
      private_key: sshd.privateKey,
    })
    assert.equal(server.status, 201, JSON.stringify(server.body))
    // The ssh server leads to this machine's engine, where the container already runs.
    const moved = await t.call(owner, 'PUT', `/api/v1/services/${serviceId}/server`, { server_uuid: server.body.uuid })
    assert.equal(moved.status, 200, JSON.stringify(moved.body))
    const term = connect(urlOf('?cols=90&rows=20'), { authorization: `Bearer ${owner}` })
    await term.opened
    await term.until(/# /)
    term.type('stty size; echo over-ssh-$((40+2))\n')
    await term.until(/20 90\r\n/)
    await term.until(/over-ssh-42/)
    term.socket.close()
    await term.closed
  })
})

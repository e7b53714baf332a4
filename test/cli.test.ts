import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { berth, berthAsync, startServer } from './support/cli.js'
import { TEST_DIALECT, databaseEnvFor, dropTestDatabase } from './support/dialect.js'
import { SAMPLE_COMPOSE } from './support/harness.js'

describe('berth CLI', () => {
  let dataDir: string
  let env: Record<string, string>
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'berth-cli-'))
    env = { BERTH_DATA_DIR: dataDir, ...(await databaseEnvFor(dataDir)) }
  })
  after(async () => {
    await dropTestDatabase(dataDir)
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('serves on a first start, creating a data dir that does not exist yet (0700)', async () => {
    const fresh = join(dataDir, 'first-start', 'data')
    const server = await startServer({ BERTH_DATA_DIR: fresh, ...(await databaseEnvFor(fresh)) })
    try {
      assert.equal((await fetch(`${server.url}/health`)).status, 200)
      assert.equal(statSync(fresh).mode & 0o777, 0o700)
    } finally {
      await server.stop()
      await dropTestDatabase(fresh)
    }
  })

  it('refuses bad settings with a clear message and a non-zero exit', async () => {
    const [badPort, badUrl] = await Promise.all([
      berthAsync(['migrate'], { ...env, PORT: 'eighty' }),
      berthAsync(['migrate'], { ...env, DATABASE_URL: 'mysql://db/berth' }),
    ])
    assert.equal(badPort.status, 1)
    assert.match(badPort.stderr, /PORT must be a number/)
    assert.equal(badUrl.status, 1)
    assert.match(badUrl.stderr, /unsupported scheme "mysql:"/)
  })

  it('creates an admin from stdin, refuses a short password, and prints a token alone on stdout', async () => {
    // An unknown ability is refused before the database is opened, so it runs beside the first
    // start on this data dir (which applies the migrations: one process at a time).
    const [weak, unknown] = await Promise.all([
      berthAsync(['user', 'create', '--email', 'ops@example.com', '--password-stdin', '--admin'], env, 'short\n'),
      berthAsync(['token', 'create', '--email', 'ops@example.com', '--name', 'x', '--abilities', 'read,fly'], env),
    ])
    assert.equal(weak.status, 1)
    assert.match(weak.stderr, /at least 8 characters/)
    assert.equal(unknown.status, 1)
    assert.match(unknown.stderr, /Unknown abilities: fly/)
    const user = berth(
      ['user', 'create', '--email', 'ops@example.com', '--password-stdin', '--admin'],
      env,
      'a-long-password\n',
    )
    assert.equal(user.status, 0, user.stderr)
    assert.equal(user.stdout, '')
    const token = berth(
      ['token', 'create', '--email', 'ops@example.com', '--name', 'cli', '--abilities', 'read,write,deploy'],
      env,
    )
    assert.equal(token.status, 0, token.stderr)
    assert.match(token.stdout, /^berth_[A-Za-z0-9_-]{43}\n$/)
  })

  it("gives an instance administrator's token instance abilities (Traefik's provider credential), and nobody else's", async () => {
    // ops@example.com, the first admin on this data dir, administers the instance.
    const [provider, owner] = await Promise.all([
      berthAsync(
        ['token', 'create', '--email', 'ops@example.com', '--name', 'traefik', '--abilities', 'proxy:provider'],
        env,
      ),
      berthAsync(
        ['user', 'create', '--email', 'owner@example.com', '--password-stdin', '--admin', '--team', 'Other'],
        env,
        'a-long-password\n',
      ),
    ])
    assert.equal(provider.status, 0, provider.stderr)
    assert.equal(owner.status, 0, owner.stderr)
    const refused = berth(
      ['token', 'create', '--email', 'owner@example.com', '--name', 'x', '--abilities', 'instance'],
      env,
    )
    assert.equal(refused.status, 1)
    assert.match(refused.stderr, /abilities its creator lacks: instance/)
  })

  it('works on the same data dir while the server runs, over a real port', async () => {
    const server = await startServer(env)
    try {
      const token = berth(
        ['token', 'create', '--email', 'ops@example.com', '--name', 'live', '--abilities', 'read,write'],
        env,
      ).stdout.trim()
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
      const project = await fetch(`${server.url}/api/v1/projects`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'live' }),
      })
      assert.equal(project.status, 201)
      const health = await fetch(`${server.url}/health`)
      assert.equal(health.status, 200)
      // A second server on the same data dir would claim deployments under the same worker id.
      const [second, twin] = await Promise.all([
        berthAsync(['user', 'create', '--email', 'dev@example.com', '--password-stdin'], env, 'another-long-password'),
        berthAsync(['serve'], { ...env, PORT: '0' }),
      ])
      assert.equal(second.status, 0, second.stderr)
      const login = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'dev@example.com', password: 'another-long-password' }),
      })
      assert.equal(login.status, 200)
      assert.equal(twin.status, 1)
      assert.match(twin.stderr, new RegExp(`Berth is already serving .* \\(pid ${server.child.pid}\\)`))
    } finally {
      await server.stop()
    }
  })

  it('imports a tree of compose files once, reports invalid ones, and is idempotent', () => {
    const tree = mkdtempSync(join(tmpdir(), 'berth-import-'))
    const site = (type: string, name: string, body: string) => {
      mkdirSync(join(tree, 'apps', type, 'sites', name), { recursive: true })
      writeFileSync(join(tree, 'apps', type, 'sites', name, 'docker-compose.yml'), body)
    }
    writeFileSync(
      join(tree, 'docker-compose.yml'),
      `services:\n  traefik:\n    image: traefik:v3\n    command:\n      - "--certificatesresolvers.le.acme.email=admin@example.org"\n`,
    )
    site('wordpress', 'blog', SAMPLE_COMPOSE)
    site('php', 'Shop_Front', SAMPLE_COMPOSE)
    site('php', 'broken', 'services:\n  web:\n    ports: ["80:abc"]\n')

    const dry = berth(['import', tree, '--dry-run'], env)
    assert.equal(dry.status, 1, 'an invalid file makes the exit code non-zero')
    assert.match(dry.stdout, /Dry run: 3 to import/)
    assert.doesNotMatch(dry.stdout, /Backup/)

    const first = berth(['import', tree], env)
    if (TEST_DIALECT === 'sqlite')
      assert.match(first.stdout, /Backup of the database before import: .*pre-import-.*\.db/)
    else assert.match(first.stdout, /No backup taken: .*pg_dump/)
    assert.match(first.stdout, /imported\s+apps\/wordpress\/sites\/blog\/docker-compose.yml -> wordpress\/blog/)
    assert.match(first.stdout, /imported\s+apps\/php\/sites\/Shop_Front\/docker-compose.yml -> php\/shop-front/)
    assert.match(first.stdout, /invalid, skipped\s+apps\/php\/sites\/broken\/docker-compose.yml .*services\.web/)
    assert.match(first.stdout, /letsencrypt_email = admin@example.org/)
    assert.match(first.stdout, /3 imported, 0 already imported, 0 name conflicts, 1 invalid/)

    const again = berth(['import', tree], env)
    assert.match(again.stdout, /0 imported, 3 already imported/)
    rmSync(tree, { recursive: true, force: true })
  })
})

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { berth, startServer } from '../support/cli.js'
import { databaseEnvFor, dropTestDatabase } from '../support/dialect.js'
import { removeProject } from '../support/docker.js'
import { requireTools } from '../support/external-tools.js'
import { ADMIN_PASSWORD, SAMPLE_COMPOSE } from '../support/harness.js'

// Examples per operation and phase; BERTH_SCHEMATHESIS_EXAMPLES=100 for a longer run.
const EXAMPLES = process.env.BERTH_SCHEMATHESIS_EXAMPLES ?? '8'

/**
 * Operations left out, each for a reason that is not a finding:
 * - the two Server-Sent Events streams never end by design, so every request would time out; the
 *   live stats and container log streams end only when nothing runs, and theirs and a backup run's
 *   log stream carry JSON events that the document describes in prose, while Schemathesis checks
 *   each event against the declared string (ST108; seen on the container log stream's end event);
 * - leaving the team and logging out end the very membership the run authenticates with, after
 *   which every other operation would only see 401/403; so do revoking a token (the fuzzer learns
 *   the run's own token id from GET /tokens) and resetting a password (it learns the link from
 *   POST /users/{uuid}/password-reset, and a new password ends every session and token). Seen as
 *   "69 operations returned only 401/403"; tested in test/auth.api.test.ts and test/tenancy.api.test.ts;
 * - POST /proxy/sync takes no input, and answers 502 sync_failed by design once a generated
 *   PUT /settings has pointed Berth at a Caddy admin API that does not exist (say http://0): the
 *   proxy is the failing upstream, which is what 502 means. Its success path is tested in
 *   test/proxy-sync.api.test.ts.
 */
const EXCLUDED_PATHS = [
  '/api/v1/deployments/{uuid}/logs/stream',
  '/api/v1/events',
  '/api/v1/services/{uuid}/stats/stream',
  '/api/v1/databases/{uuid}/stats/stream',
  '/api/v1/services/{uuid}/logs/stream',
  '/api/v1/databases/{uuid}/logs/stream',
  '/api/v1/backup-runs/{id}/log/stream',
  '/api/v1/team/leave',
  '/api/v1/auth/logout',
  '/api/v1/proxy/sync',
]
const EXCLUDED_OPERATIONS = ['revokeToken', 'resetPassword']

function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // Run in a scratch directory: Schemathesis keeps its example database in ./.schemathesis.
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('close', (code) => resolve({ code, output }))
  })
}

describe('Schemathesis against a listening Berth', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-schemathesis-'))
  let env: Record<string, string>
  let server: Awaited<ReturnType<typeof startServer>> | undefined

  before(async () => {
    env = { BERTH_DATA_DIR: dataDir, ...(await databaseEnvFor(dataDir)) }
  })
  after(async () => {
    await server?.stop()
    // What the fuzzer deployed (generated POST /deploy calls) would keep running, and the sample
    // compose publishes host port 8080, which a test file running beside this one may need.
    const work = join(dataDir, 'work')
    if (existsSync(work)) for (const id of readdirSync(work)) await removeProject(`berth-${id}`)
    await dropTestDatabase(dataDir)
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('finds no 5xx and no response that breaks its declared schema, with an authenticated token', async (t) => {
    if (!requireTools(t, [['schemathesis', ['--version']]])) return
    const created = berth(
      ['user', 'create', '--email', 'st@example.com', '--password-stdin', '--admin', '--instance-admin'],
      env,
      `${ADMIN_PASSWORD}\n`,
    )
    assert.equal(created.status, 0, created.stderr)
    server = await startServer(env)
    const url = server.url
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'st@example.com', password: ADMIN_PASSWORD }),
    })
    assert.equal(login.status, 200)
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    const session = { cookie, origin: url, 'content-type': 'application/json' }
    const token = await fetch(`${url}/api/v1/tokens`, {
      method: 'POST',
      headers: session,
      body: JSON.stringify({ name: 'schemathesis', abilities: ['root', 'instance'] }),
    })
    assert.equal(token.status, 201)
    const bearer = ((await token.json()) as { token: string }).token
    // Something to find: a project with a service, so list and detail responses are not all empty.
    const auth = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }
    const project = (await (
      await fetch(`${url}/api/v1/projects`, { method: 'POST', headers: auth, body: '{"name":"schema"}' })
    ).json()) as { uuid: string }
    await fetch(`${url}/api/v1/projects/${project.uuid}/services`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'web', compose: SAMPLE_COMPOSE }),
    })

    const junit = join(dataDir, 'schemathesis.xml')
    const result = await run(
      'schemathesis',
      [
        'run',
        `${url}/api/v1/openapi.json`,
        '--url',
        url,
        '--header',
        `Authorization: Bearer ${bearer}`,
        '--checks',
        'not_a_server_error,response_schema_conformance',
        '--phases',
        'examples,coverage,fuzzing',
        '--max-examples',
        EXAMPLES,
        '--seed',
        '20240613',
        '--workers',
        '2',
        '--request-timeout',
        '10',
        '--suppress-health-check',
        'all',
        '--no-shrink',
        '--report',
        'junit',
        '--report-junit-path',
        junit,
        ...EXCLUDED_PATHS.flatMap((path) => ['--exclude-path', path]),
        ...EXCLUDED_OPERATIONS.flatMap((id) => ['--exclude-operation-id', id]),
      ],
      dataDir,
      150_000,
    )
    const cases = /\d+ generated[^\n]*/.exec(result.output)?.[0] ?? 'no case count printed'
    t.diagnostic(`schemathesis: ${cases} (${EXAMPLES} examples per operation and phase)`)
    // The run's own credential must last to the end, or every later operation is tested only for 401.
    assert.doesNotMatch(result.output, /Authentication failed: \d+ operations returned only 401\/403/)
    // The findings first: the runner repeats only the head of a failed test's message before the total.
    const findings = result.output.indexOf('= FAILURES =')
    const report = findings >= 0 ? result.output.slice(findings) : result.output.slice(-12_000)
    assert.equal(result.code, 0, `schemathesis failed:\n${report.slice(0, 12_000)}`)
    assert.match(readFileSync(junit, 'utf8'), /<testsuite/)
  })
})

// Lighthouse on three pages of the web UI, signed in, with desktop settings and Debian's Chromium:
// the dashboard, a service page and a deployment page. Prints each category's score and exits 1
// when Accessibility or Best Practices is under 95 or Performance under 90 (issue 17's bar).
// Run: npm run lighthouse (fetches lighthouse from npm with npx on its first run; the reports go
// to artifacts/lighthouse/).
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { SESSION_COOKIE } from '../src/http/auth-hook.js'
import { CHROMIUM_PATH, startUiServer } from '../test/support/browser.js'
import { REPO_ROOT } from '../test/support/cli.js'
import { ADMIN_PASSWORD } from '../test/support/harness.js'
import { removeProject, TEST_IMAGE } from '../test/support/docker.js'
import { composeProjectName } from '../src/deployments/resources.js'

const LIGHTHOUSE = 'lighthouse@12.8.2'
const BARS = { performance: 90, accessibility: 95, 'best-practices': 95 } as const
const REPORTS = join(REPO_ROOT, 'artifacts', 'lighthouse')

function lighthouse(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['--yes', LIGHTHOUSE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('close', (code) => resolve({ code, output }))
  })
}

const { t, base } = await startUiServer()
let failed = false
let service: string | undefined
try {
  const root = await t.token(['root'])
  await t.app.users.create(
    { email: 'lighthouse@example.com', password: ADMIN_PASSWORD, admin: true, teamName: 'Default' },
    SYSTEM_ACTOR,
  )
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'lighthouse@example.com', password: ADMIN_PASSWORD }),
  })
  if (login.status !== 200) throw new Error(`signing in answered ${login.status}`)
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!
  if (!cookie.startsWith(`${SESSION_COOKIE}=`)) throw new Error('the login set no session cookie')
  const project = (await t.call(root, 'POST', '/api/v1/projects', { name: 'shop' })).body.uuid
  service = (
    await t.call(root, 'POST', `/api/v1/projects/${project}/services`, {
      name: 'web',
      compose: `services:\n  web:\n    image: ${TEST_IMAGE}\n    command: ["sleep", "600"]\n`,
    })
  ).body.uuid
  // A deployment to show: the local engine runs it; its container is removed at the end.
  const deployment = (await t.call(root, 'POST', '/api/v1/deploy', { uuid: service })).body.deployments[0]
    .deployment_uuid

  mkdirSync(REPORTS, { recursive: true })
  const pages = { dashboard: '/', service: `/services/${service}`, deployment: `/deployments/${deployment}` }
  for (const [name, path] of Object.entries(pages)) {
    const report = join(REPORTS, `${name}.json`)
    // Asynchronously: Berth answers from this very process while Lighthouse loads its pages.
    const run = await lighthouse([
      `${base}${path}`,
      '--preset=desktop',
      '--only-categories=performance,accessibility,best-practices',
      `--chrome-path=${CHROMIUM_PATH}`,
      '--chrome-flags=--headless=new --no-sandbox --disable-gpu',
      `--extra-headers=${JSON.stringify({ Cookie: cookie })}`,
      '--output=json',
      `--output-path=${report}`,
      '--quiet',
    ])
    if (run.code !== 0) throw new Error(`lighthouse failed on ${path} (exit ${run.code}): ${run.output.slice(-2000)}`)
    const categories = (JSON.parse(readFileSync(report, 'utf8')) as { categories: Record<string, { score: number }> })
      .categories
    const scores = Object.entries(BARS).map(([id, bar]) => {
      const score = Math.round((categories[id]?.score ?? 0) * 100)
      if (score < bar) failed = true
      return `${id} ${score}${score < bar ? ` (under ${bar})` : ''}`
    })
    console.log(`${name} (${path}): ${scores.join(', ')}`)
  }
} finally {
  await t.close()
  if (service) await removeProject(composeProjectName(service))
}
if (failed) {
  console.log(`some score is under its bar; the reports are in ${REPORTS}`)
  process.exitCode = 1
}

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { composeProjectName } from '../src/deployments/resources.js'
import {
  browserSkipReason,
  desktopPage,
  launchChromium,
  screenshotPath,
  signIn,
  startUiServer,
} from './support/browser.js'
import { createService, deploy, waitForFinished } from './support/deploy-helpers.js'
import { REDIS_IMAGE, TEST_IMAGE, removeProject, requireDocker } from './support/docker.js'
import { ADMIN_PASSWORD, type TestApp } from './support/harness.js'
import { requireSshd, startSshd, type TestSshd } from './support/sshd.js'

// Issue 17 in a real Chromium against a real Berth and Docker engine: database pages that work,
// the dashboard, container logs, and every page usable at phone width.
const skip = browserSkipReason()
const EMAIL = 'product@example.com'
const HEALTHY = `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n`
// Exits at once and the engine starts it again and again: crash-looping.
const CRASHING = `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sh -c "exit 3"\n    restart: always\n`

describe('the web UI as a product', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let page: Page
  let base: string
  let token: string
  let projectId: string
  let serviceId = ''
  let databaseId = ''
  let deploymentId = ''
  const composeProjects: string[] = []
  let sshd: TestSshd | undefined

  before(async () => {
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    await t.app.users.create({ email: EMAIL, password: ADMIN_PASSWORD, admin: true, teamName: 'Default' }, SYSTEM_ACTOR)
    token = await t.token(['read', 'read:sensitive', 'write', 'deploy'], 'Default')
    projectId = (await t.call(token, 'POST', '/api/v1/projects', { name: 'shop' })).body.uuid
    browser = await launchChromium()
    page = await desktopPage(browser, 20_000)
    await signIn(page, base, EMAIL, { until: page.getByRole('navigation', { name: 'Main' }) })
  })

  after(async () => {
    await browser?.close()
    await t?.close()
    await sshd?.stop()
    for (const p of composeProjects) await removeProject(p)
  })

  it('the dashboard shows a healthy service, then the same service crash-looping first in line, live', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const api = await createService(t, token, projectId, 'api', HEALTHY)
    composeProjects.push(composeProjectName(api))
    serviceId = api
    deploymentId = await deploy(t, token, api)
    await waitForFinished(t, token, deploymentId)

    await page.goto(base)
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
    const shop = page.getByRole('article', { name: 'Project shop' })
    await shop.locator('li[data-resource="api"] [data-health="healthy"]').waitFor()
    await page.getByText('Nothing needs attention.').waitFor()
    // The engine's disk, as the server monitor read it (local engine).
    const servers = await page.getByRole('table', { name: 'Servers' }).innerText()
    assert.match(servers, /[\d.]+ GiB free of [\d.]+ GiB/)
    // The host's load (local engine), and the last backups (none yet).
    assert.match(servers, /[\d.]+ on \d+ CPUs/)
    await page.getByRole('list', { name: 'Last backups' }).getByText('No database backup has run yet.').waitFor()
    await page.screenshot({ path: screenshotPath('61-dashboard-healthy'), fullPage: true })

    // A new version that exits at once, under restart: always. The page is not reloaded.
    const saved = await t.call(token, 'PUT', `/api/v1/services/${api}/compose`, { yaml: CRASHING, base_version: 1 })
    assert.equal(saved.status, 200, JSON.stringify(saved.body))
    await deploy(t, token, api)
    await shop.locator('li[data-resource="api"] [data-health="crash-looping"]').waitFor({ timeout: 60_000 })
    const first = page.getByRole('region', { name: 'Needs attention' }).getByRole('listitem').first()
    assert.match(await first.innerText(), /critical[\s\S]*shop \/ api/)
    await page.screenshot({ path: screenshotPath('62-dashboard-attention'), fullPage: true })
    await first.getByRole('link').click()
    assert.match(new URL(page.url()).pathname, /^\/(services|deployments)\//)

    // The failed deployment's log wraps: its error is on screen without scrolling sideways.
    await page.goto(base)
    await page
      .getByRole('region', { name: 'Needs attention' })
      .getByRole('link', { name: /last deploy of shop \/ api failed/ })
      .click()
    const log = page.getByRole('region', { name: 'Log lines' })
    const error = log.locator('.log-line', { hasText: /health check failed/i }).first()
    await error.waitFor()
    assert.ok(await error.isVisible())
    const overflow = await log.evaluate((el) => el.scrollWidth - el.clientWidth)
    assert.ok(overflow <= 1, `the log scrolls sideways by ${overflow} px`)
    await page.screenshot({ path: screenshotPath('63-failed-deployment-log'), fullPage: true })

    // The unified diff's two line-number columns sit side by side, not on top of each other.
    await page.goto(`${base}/services/${api}/history`)
    const gutter = page.locator('.d2h-code-linenumber').nth(1)
    await gutter.waitFor()
    const [left, right] = await Promise.all(
      ['.line-num1', '.line-num2'].map((c) => gutter.locator(c).evaluate((el) => el.getBoundingClientRect().toJSON())),
    )
    assert.ok(left.right <= right.left + 0.5, `line numbers overlap: ${JSON.stringify({ left, right })}`)
  })

  it("a database's page shows its engine status, deploys, restarts, reveals its connection and shows its logs", async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const created = await t.call(token, 'POST', `/api/v1/projects/${projectId}/databases`, {
      type: 'redis',
      name: 'cache',
      image: REDIS_IMAGE,
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const db = created.body
    databaseId = db.uuid
    composeProjects.push(composeProjectName(db.uuid))

    // The project page's card: status, and a deploy button that works from there.
    await page.goto(`${base}/projects/${projectId}/databases`)
    const card = page.getByRole('article', { name: 'Database cache' })
    await card.getByText('never deployed').waitFor()
    await card.getByRole('button', { name: 'Deploy', exact: true }).click()
    await card.locator('.badge.runtime-running').waitFor({ timeout: 60_000 })
    await card.getByLabel('Status of cache').locator('.badge.status[data-status="finished"]').waitFor()

    // Its own page, not the service page: engine status, masked connection until Reveal.
    await card.getByRole('link', { name: 'cache' }).click()
    await page.getByRole('heading', { name: /^cache/, level: 1 }).waitFor()
    await page.locator('.service-status .badge.runtime-running').waitFor()
    const connection = page.getByTestId('connection-cache')
    assert.match(await connection.innerText(), /••••••••/)
    await page.getByRole('button', { name: 'Reveal connection string of cache' }).click()
    const full = (await t.call(token, 'GET', `/api/v1/databases/${db.uuid}`)).body.internal_url as string
    assert.doesNotMatch(full, /••••••••/)
    assert.equal(await connection.innerText(), full)

    // Restart is a recorded database deployment (it was a 404 "Service … was not found" before).
    await page.getByRole('button', { name: 'Restart', exact: true }).click()
    await page
      .getByRole('status')
      .filter({ hasText: /queued/ })
      .waitFor()
    await page.getByRole('link', { name: 'Deployments' }).last().click()
    const history = page.getByRole('table', { name: 'Deployments of this database, newest first' })
    await history.locator('tbody tr').nth(1).waitFor()
    await history.locator('tbody tr').first().locator('.badge[data-status="finished"]').waitFor({ timeout: 60_000 })
    assert.match(await history.locator('tbody tr').first().innerText(), /restart/)

    // The containers' own output, followed live.
    await page.getByRole('link', { name: 'Logs', exact: true }).click()
    const output = page.getByRole('article', { name: /^Output of / })
    await output
      .getByText(/Ready to accept connections/)
      .first()
      .waitFor()
    await page.screenshot({ path: screenshotPath('60-database-logs'), fullPage: true })

    // Live CPU and memory from the engine's stats stream.
    await page.getByRole('link', { name: 'Stats', exact: true }).click()
    const stats = page.getByRole('table', { name: 'Live container resources' })
    await stats.locator('tbody tr').first().waitFor()
    assert.match(await stats.getByTestId('memory').first().innerText(), /^[\d.]+ (KiB|MiB|GiB)/)
    assert.match(await stats.getByTestId('cpu').first().innerText(), /^[\d.]+ %$/)

    // The team's deployment list links a database row to its page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deployments' }).click()
    await page
      .getByRole('table', { name: 'All deployments, newest first' })
      .getByRole('link', { name: 'cache' })
      .first()
      .click()
    await page.getByRole('heading', { name: /^cache/, level: 1 }).waitFor()
    assert.match(new URL(page.url()).pathname, new RegExp(`^/databases/${db.uuid}`))

    // Ctrl-K jumps anywhere by name; the arrow keys choose among the matches.
    await page.keyboard.press('Control+k')
    const palette = page.getByRole('dialog', { name: 'Go to' })
    await palette.getByRole('combobox').fill('cach')
    await palette.getByRole('option', { name: /shop \/ cache/ }).waitFor()
    await page.keyboard.press('Enter')
    await page.waitForURL(`${base}/databases/${db.uuid}`)
    // The same page as before: wait for the palette to close before opening it again.
    await palette.waitFor({ state: 'hidden' })
    await page.keyboard.press('Control+k')
    await palette.getByRole('combobox').fill('shop')
    await palette.getByRole('option', { name: /shop \/ api/ }).waitFor()
    await page.keyboard.press('ArrowDown')
    assert.equal(await palette.locator('[aria-selected="true"]').innerText(), 'shop / api service')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: /^api/, level: 1 }).waitFor()
    await palette.waitFor({ state: 'hidden' })

    // Ctrl-S saves the compose file from inside the editor; Alt-Shift-D deploys the page's service.
    const editor = page.getByRole('textbox', { name: 'Compose file', exact: true })
    await editor.click()
    await page.keyboard.press('ControlOrMeta+End')
    await page.keyboard.insertText('\n# saved by keyboard\n')
    await page.keyboard.press('Control+s')
    await page.getByText('Saved as version 3.').waitFor()
    await page.keyboard.press('Alt+Shift+D')
    await page.getByRole('status').filter({ hasText: 'Deployment of api queued.' }).waitFor()

    // The audit log names the resource and the actor; the id is there on hover.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click()
    const entry = page.locator('.audit-item').filter({ hasText: 'database.created' }).first()
    await entry.waitFor()
    const resource = entry.getByRole('link', { name: 'database shop / cache' })
    assert.equal(await resource.getAttribute('title'), db.uuid)
  })

  it("the dashboard shows an ssh:// server's disk and load, read over its ssh connection", async (ctx) => {
    if (!(await requireDocker(ctx)) || !requireSshd(ctx)) return
    sshd = await startSshd()
    const remote = await t.call(token, 'POST', '/api/v1/servers', {
      name: 'over-ssh',
      docker_host: `ssh://root@127.0.0.1:${sshd.port}`,
      private_key: sshd.privateKey,
    })
    assert.equal(remote.status, 201, JSON.stringify(remote.body))
    assert.equal((await t.call(token, 'POST', `/api/v1/servers/${remote.body.uuid}/check`)).status, 200)
    await page.goto(base)
    const row = page.getByRole('table', { name: 'Servers' }).getByRole('row').filter({ hasText: 'over-ssh' })
    await row.getByText('reachable', { exact: true }).waitFor()
    assert.match(await row.innerText(), /[\d.]+ GiB free of [\d.]+ GiB/)
    assert.match(await row.innerText(), /[\d.]+ on \d+ CPUs/)
  })

  it("a project's default server is chosen in its Settings and preselected by the new service and database forms", async () => {
    const edge = await t.call(token, 'POST', '/api/v1/servers', {
      name: 'edge',
      docker_host: 'unix:///var/run/edge.sock',
    })
    assert.equal(edge.status, 201, JSON.stringify(edge.body))
    const depot = (await t.call(token, 'POST', '/api/v1/projects', { name: 'depot' })).body.uuid
    await page.goto(`${base}/projects/${depot}/settings`)
    const choice = page.getByLabel('Default server for new services and databases')
    assert.equal(await choice.inputValue(), '', 'the default server until one is chosen')
    await choice.selectOption({ label: 'edge' })
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Saved.').waitFor()
    assert.equal((await t.call(token, 'GET', `/api/v1/projects/${depot}`)).body.default_server_uuid, edge.body.uuid)

    await page.goto(`${base}/projects/${depot}`)
    await page.getByText('New service', { exact: true }).first().click()
    assert.equal(await page.getByLabel('Server', { exact: true }).inputValue(), edge.body.uuid)
    await page.getByLabel('Service name').fill('api')
    await page.getByRole('button', { name: 'Create service' }).click()
    await page.getByRole('heading', { name: /^api/, level: 1 }).waitFor()
    const created = new URL(page.url()).pathname.split('/')[2]!
    assert.equal((await t.call(token, 'GET', `/api/v1/services/${created}`)).body.server_uuid, edge.body.uuid)

    await page.goto(`${base}/projects/${depot}/databases`)
    await page.getByText('New database', { exact: true }).click()
    await page.getByRole('button', { name: /^redis/ }).click()
    assert.equal(await page.getByLabel('Server', { exact: true }).inputValue(), edge.body.uuid)
  })

  it('every page is usable at 390 px: the navigation folds behind Menu and nothing scrolls the page sideways', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      storageState: await page.context().storageState(),
    })
    phone.setDefaultTimeout(20_000)
    try {
      await phone.goto(base)
      const nav = phone.getByRole('navigation', { name: 'Main' })
      const projectsLink = nav.getByRole('link', { name: 'Projects' })
      assert.equal(await projectsLink.isVisible(), false, 'the links are folded')
      await nav.getByRole('button', { name: 'Menu' }).click()
      await projectsLink.click()
      await phone.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
      assert.equal(await projectsLink.isVisible(), false, 'following a link folds them again')

      const pages = [
        '/',
        '/projects',
        `/projects/${projectId}`,
        `/projects/${projectId}/databases`,
        `/projects/${projectId}/domains`,
        `/projects/${projectId}/middlewares`,
        `/projects/${projectId}/settings`,
        ...(serviceId
          ? ['', '/history', '/deployments', '/logs', '/stats', '/terminal', '/env', '/parameters', '/git'].map(
              (tab) => `/services/${serviceId}${tab}`,
            )
          : []),
        ...(databaseId
          ? ['', '/deployments', '/logs', '/stats', '/terminal', '/backups'].map(
              (tab) => `/databases/${databaseId}${tab}`,
            )
          : []),
        '/templates',
        '/templates/wordpress',
        '/templates/import',
        '/deployments',
        ...(deploymentId ? [`/deployments/${deploymentId}`] : []),
        '/servers',
        '/proxy',
        '/audit',
        '/team',
        '/team/notifications',
        '/team/backup-destinations',
        '/team/registries',
        '/instance/notifications',
        '/tokens',
        '/backups',
        '/settings',
        '/account',
        '/admin/users',
        '/admin/teams',
      ]
      const overflowing: string[] = []
      for (const path of pages) {
        await phone.goto(`${base}${path}`)
        await phone.getByRole('heading', { level: 1 }).first().waitFor()
        await phone.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0)
        const overflow = await phone.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        )
        if (overflow > 0) {
          overflowing.push(`${path} (${overflow} px)`)
          await phone.screenshot({ path: screenshotPath(`phone-overflow${path.replace(/\//g, '-')}`), fullPage: true })
        }
      }
      await phone.goto(base)
      await phone.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
      await phone.screenshot({ path: screenshotPath('64-dashboard-phone'), fullPage: true })
      assert.deepEqual(overflowing, [], 'pages that scroll sideways at 390 px')
    } finally {
      await phone.close()
    }
  })
})

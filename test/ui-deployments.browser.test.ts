import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { createLogWriter } from '../src/deployments/log-writer.js'
import {
  browserSkipReason,
  desktopPage,
  launchChromium,
  screenshotPath,
  signIn,
  startUiServer,
} from './support/browser.js'
import { createService } from './support/deploy-helpers.js'
import { TEST_IMAGE, freePort, removeProject, requireDocker } from './support/docker.js'
import { ADMIN_PASSWORD, type TestApp } from './support/harness.js'

// The deployments part of issue 6 in a real Chromium against a real Berth: deploy from the
// service page and follow the log live, the team's deployment list, live badges, and the log
// viewer with a 100,000-line log.
const skip = browserSkipReason()
const EMAIL = 'deployer@example.com'
const LOG_LINES = 100_000
// A user notices a log viewer that takes longer than this to scroll or search.
const RESPONSIVE_MS = 5000

/** A deployment that takes a few seconds (web turns healthy after 3 s, gate waits for it), so its log is seen live. */
function slowCompose(port: number): string {
  return `services:
  web:
    image: ${TEST_IMAGE}
    command: sh -c "sleep 3 && touch /tmp/ready && httpd -f -p 80 -h /www"
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 30
    ports:
      - "127.0.0.1:${port}:80"
  gate:
    image: ${TEST_IMAGE}
    command: sleep 600
    stop_grace_period: 1s
    depends_on:
      web:
        condition: service_healthy
`
}

/** The status a badge shows (data-status), e.g. "in_progress". */
async function badgeStatus(page: Page, selector: string): Promise<string | null> {
  return page
    .locator(selector)
    .first()
    .getAttribute('data-status', { timeout: 2000 })
    .catch(() => null)
}

describe('deployments in the web UI', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let page: Page
  let base: string
  let token: string
  const composeProjects: string[] = []

  before(async () => {
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    await t.app.users.create({ email: EMAIL, password: ADMIN_PASSWORD, admin: true, teamName: 'Default' }, SYSTEM_ACTOR)
    token = await t.token(['read', 'read:sensitive', 'write', 'deploy'], 'Default')
    browser = await launchChromium()
    page = await desktopPage(browser)
    await signIn(page, `${base}/projects`, EMAIL)
  })

  after(async () => {
    await browser?.close()
    await t?.close()
    for (const p of composeProjects) await removeProject(p)
  })

  it('deploys a service from its page, streams the log live to its end and lists the deployment', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    await page.getByLabel('Project name').fill('live')
    await page.getByRole('button', { name: 'Create project' }).click()
    await page.getByRole('heading', { name: 'live', level: 1 }).waitFor()
    const projectUrl = page.url()
    await page.getByText('New service', { exact: true }).first().click()
    await page.getByLabel('Service name').fill('web')
    await page.getByRole('textbox', { name: 'Compose file of the new service' }).click()
    await page.keyboard.press('ControlOrMeta+a')
    await page.keyboard.insertText(slowCompose(await freePort()))
    await page.getByRole('button', { name: 'Create service' }).click()
    await page.getByRole('heading', { name: /^web/, level: 1 }).waitFor()
    const serviceId = new URL(page.url()).pathname.split('/')[2]!
    composeProjects.push(composeProjectName(serviceId))
    await page.getByText('never deployed').waitFor()

    // The queued deployment shows at once, with its live status and a link to its log.
    await page.getByRole('button', { name: 'Deploy', exact: true }).click()
    const queued = page.getByRole('status').filter({ hasText: 'Deployment of web queued.' })
    await queued.waitFor()
    await page.screenshot({ path: screenshotPath('20-service-deploy-queued'), fullPage: true })
    await queued.getByRole('link', { name: 'Open its log' }).click()

    // Lines arrive while the deployment still runs, then the stream ends and the badge says finished.
    const heading = page.getByRole('heading', { level: 1 })
    await heading.filter({ hasText: 'Deployment of web' }).waitFor()
    await page.locator('.log-line').first().waitFor()
    await page.locator('.log-line', { hasText: '$ docker compose' }).first().waitFor()
    const statusWhileStreaming = await badgeStatus(page, 'h1 .badge.status')
    assert.ok(
      ['queued', 'in_progress'].includes(statusWhileStreaming ?? ''),
      `lines were shown while the deployment was ${statusWhileStreaming}`,
    )
    await page.locator('h1 .badge.status[data-status="finished"]').waitFor({ timeout: 120_000 })
    await page.locator('.log-line', { hasText: /Deployment finished in [\d.]+ s/ }).waitFor()
    assert.ok(
      (await page.locator('.log-line', { hasText: /Container .*gate.* Started/ }).count()) > 0,
      'compose output is in the log',
    )
    await page.screenshot({ path: screenshotPath('21-deployment-log'), fullPage: true })

    // The service's tab and the team page list it.
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'web' }).click()
    const tab = page.getByRole('table', { name: 'Deployments of this service, newest first' })
    await tab.locator('.badge[data-status="finished"]').waitFor()
    await page.screenshot({ path: screenshotPath('22-service-deployments-tab'), fullPage: true })
    await page.locator('.service-status .badge.runtime-running').waitFor()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deployments' }).click()
    const history = page.getByRole('table', { name: 'All deployments, newest first' })
    const row = history.locator('tbody tr').first()
    await row.locator('.badge[data-status="finished"]').waitFor()
    assert.match(
      await row.innerText(),
      /web[\s\S]*service[\s\S]*deploy[\s\S]*\d+s[\s\S]*ui[\s\S]*deployer@example\.com/,
    )
    await page.getByText('Nothing is queued or running.').waitFor()
    await page.screenshot({ path: screenshotPath('22-deployments-team'), fullPage: true })

    // The project page's badge follows a deployment started elsewhere (here: the API) without a reload.
    await page.goto(projectUrl)
    const projectBadge = page.locator('td .badge.status').first()
    await projectBadge.and(page.locator('[data-status="finished"]')).waitFor()
    const restart = await t.call(token, 'POST', `/api/v1/services/${serviceId}/restart`)
    assert.equal(restart.status, 202)
    await page
      .locator('td .badge.status[data-status="queued"], td .badge.status[data-status="in_progress"]')
      .first()
      .waitFor()
    await page.locator('td .badge.status[data-status="finished"]').first().waitFor({ timeout: 120_000 })
    await page.screenshot({ path: screenshotPath('23-project-status'), fullPage: true })
  })

  /** Queues a deployment of a new service on a server that takes none (concurrency 0), so it stays queued without Docker. */
  async function queueOnIdleServer(project: string, service: string): Promise<string> {
    const projectId = (await t.call(token, 'POST', '/api/v1/projects', { name: project })).body.uuid
    const serviceId = await createService(t, token, projectId, service, `services:\n  app:\n    image: ${TEST_IMAGE}\n`)
    const server = (
      await t.call(token, 'POST', '/api/v1/servers', {
        name: `idle-${project}`,
        docker_host: 'unix:///var/run/docker.sock',
      })
    ).body.uuid
    await t.app.db.updateTable('servers').set({ concurrency_limit: 0 }).where('id', '=', server).execute()
    assert.equal(
      (await t.call(token, 'PUT', `/api/v1/services/${serviceId}/server`, { server_uuid: server })).status,
      200,
    )
    const queued = await t.call(token, 'POST', '/api/v1/deploy', { uuid: serviceId })
    assert.equal(queued.status, 202)
    return queued.body.deployments[0].deployment_uuid
  }

  it('cancels a queued deployment from its page; the outcome arrives over the live stream', async () => {
    const deploymentId = await queueOnIdleServer('waiting', 'patient')
    await page.goto(`${base}/deployments/${deploymentId}`)
    await page.locator('h1 .badge.status[data-status="queued"]').waitFor()
    await page.getByText('Waiting for output…').waitFor()
    await page.getByRole('button', { name: 'Cancel deployment' }).click()
    await page.getByRole('status').filter({ hasText: 'Cancelled before it started.' }).waitFor()
    await page.locator('.log-line', { hasText: /Deployment cancelled: cancelled by .* before it started/ }).waitFor()
    await page.locator('h1 .badge.status[data-status="cancelled-by-user"]').waitFor()
    assert.equal(
      await page.getByRole('button', { name: 'Cancel deployment' }).count(),
      0,
      'an ended deployment cannot be cancelled',
    )
  })

  it('shows a 100,000-line log: scrolls to its end, searches it, colours it and links its lines', async (ctx) => {
    // A deployment that is never run, given a long log through the app's own writer.
    const deploymentId = await queueOnIdleServer('big-log', 'noisy')
    const writer = createLogWriter({ db: t.app.db, deploymentId, firstSeq: 1, redact: (line) => line })
    for (let i = 1; i <= LOG_LINES; i++) {
      if (i === 73_421) writer.append('stdout', `needle-73421 found <b>not bold</b>`)
      else if (i % 10 === 0) writer.append('stdout', `step ${i}: \u001b[32mok\u001b[0m \u001b[1;31mwarn\u001b[0m`)
      else writer.append('stdout', `step ${i}: building layer ${i % 97}`)
    }
    await writer.close()
    assert.equal((await t.call(token, 'POST', `/api/v1/deployments/${deploymentId}/cancel`)).status, 202)
    const lastSeq = LOG_LINES + 1 // the cancellation line

    let started = Date.now()
    await page.goto(`${base}/deployments/${deploymentId}`)
    await page.getByText(`${(LOG_LINES + 1).toLocaleString('en-US')} lines`).waitFor({ timeout: 60_000 })
    const loadMs = Date.now() - started
    await page.locator('h1 .badge.status[data-status="cancelled-by-user"]').waitFor()

    // To the end: the End key in the log, as a user would.
    const log = page.getByRole('region', { name: 'Log lines' })
    await log.focus()
    started = Date.now()
    await page.keyboard.press('End')
    const last = page.locator(`.log-line[data-seq="${lastSeq}"]`)
    await last.waitFor()
    assert.match(await last.innerText(), /Deployment cancelled/)
    const endMs = Date.now() - started
    assert.ok(await last.isVisible(), 'the last line is on screen')

    // Search jumps to the one match, far from where we are.
    started = Date.now()
    await page.getByRole('searchbox', { name: 'Search the log' }).fill('needle-73421')
    const found = page.locator('.log-line[data-seq="73421"]')
    await found.locator('mark', { hasText: 'needle-73421' }).waitFor()
    await page.getByText('1 of 1').waitFor()
    const searchMs = Date.now() - started
    assert.ok(await found.isVisible())
    // Text is text: the markup in the line is shown, not rendered.
    assert.match(await found.innerText(), /<b>not bold<\/b>/)
    assert.equal(await found.locator('b').count(), 0)

    // A broader search steps through its matches.
    await page.getByRole('searchbox', { name: 'Search the log' }).fill('warn')
    await page.getByText(`1 of ${LOG_LINES / 10}`).waitFor()
    await page.getByRole('button', { name: 'Next match' }).click()
    await page.getByText(`2 of ${LOG_LINES / 10}`).waitFor()
    await page.locator('.log-line-match[data-seq="20"]').waitFor()
    await page.getByRole('searchbox', { name: 'Search the log' }).press('Shift+Enter')
    await page.locator('.log-line-match[data-seq="10"]').waitFor()

    // ANSI colours are styled spans, never raw escape codes.
    const green = page.locator('.log-line[data-seq="10"] .ansi-green-fg')
    assert.equal(await green.innerText(), 'ok')
    const red = page.locator('.log-line[data-seq="10"] .ansi-red-fg.ansi-bold')
    assert.equal(await red.innerText(), 'warn')
    const [greenColour, plainColour] = await Promise.all([
      green.evaluate((el) => getComputedStyle(el).color),
      page.locator('.log-line[data-seq="10"] .log-ln').evaluate((el) => getComputedStyle(el.parentElement!).color),
    ])
    assert.notEqual(greenColour, plainColour)
    assert.ok(!(await page.locator('.log-line[data-seq="10"]').innerText()).includes('\u001b'))
    await page.screenshot({ path: screenshotPath('24-log-viewer-search'), fullPage: true })

    // A line link scrolls to its line and highlights it, also on a fresh load.
    await page.goto(`${base}/deployments/${deploymentId}#L50000`)
    const linked = page.locator('.log-line[data-seq="50000"]')
    await linked.waitFor({ timeout: 60_000 })
    assert.equal(await linked.getAttribute('aria-current'), 'true')
    assert.match((await linked.getAttribute('class')) ?? '', /log-line-linked/)
    assert.ok(await linked.isVisible())
    await page.locator('.log-line[data-seq="50003"] .log-ln').click()
    assert.equal(new URL(page.url()).hash, '#L50003')
    await page.locator('.log-line-linked[data-seq="50003"]').waitFor()
    await page.screenshot({ path: screenshotPath('25-log-viewer-line-link'), fullPage: true })

    ctx.diagnostic(
      `100,000-line log: loaded in ${loadMs} ms, scrolled to the end in ${endMs} ms, searched in ${searchMs} ms`,
    )
    assert.ok(endMs < RESPONSIVE_MS, `scrolling to the end took ${endMs} ms`)
    assert.ok(searchMs < RESPONSIVE_MS, `searching took ${searchMs} ms`)
  })

  it('sets the health timeout and the automatic rollback on the service Deployments tab', async () => {
    const projectId = (await t.call(token, 'POST', '/api/v1/projects', { name: 'health-settings' })).body.uuid
    const serviceId = await createService(t, token, projectId, 'gated', `services:\n  app:\n    image: ${TEST_IMAGE}\n`)
    await page.goto(`${base}/services/${serviceId}/deployments`)
    const timeout = page.getByLabel('Wait for healthy containers up to (seconds)')
    assert.equal(await timeout.inputValue(), '120')
    await timeout.fill('45')
    await page.getByLabel(/Roll back automatically/).check()
    await page.getByRole('button', { name: 'Save health settings' }).click()
    await page.getByText('Health settings saved.').waitFor()
    const saved = (await t.call(token, 'GET', `/api/v1/services/${serviceId}`)).body
    assert.equal(saved.health_timeout_seconds, 45)
    assert.equal(saved.auto_rollback, true)
    await page.screenshot({ path: screenshotPath('24-service-health-settings'), fullPage: true })
  })

  it('shows the deployment pages at phone width in the dark scheme', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
      storageState: await page.context().storageState(),
    })
    try {
      await phone.goto(`${base}/deployments`)
      await phone.getByRole('heading', { name: 'History' }).waitFor()
      await phone.locator('table.deployments').first().waitFor()
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      assert.ok(overflow <= 1, `no sideways scrolling of the page at 390 px (overflow ${overflow}px)`)
      await phone.screenshot({ path: screenshotPath('26-phone-dark-deployments'), fullPage: true })
      await phone.locator('table.deployments tbody tr a').first().click()
      await phone.locator('.log-line').first().waitFor({ timeout: 60_000 })
      const logOverflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      assert.ok(logOverflow <= 1, `the log scrolls inside its box, not the page (overflow ${logOverflow}px)`)
      await phone.screenshot({ path: screenshotPath('27-phone-dark-deployment') })
    } finally {
      await phone.close()
    }
  })

  it('disables Deploy, Restart and Stop for a member without the deploy ability', async () => {
    const viewer = await t.app.users.create(
      { email: 'viewer@example.com', password: ADMIN_PASSWORD, teamName: 'Default' },
      SYSTEM_ACTOR,
    )
    await t.app.db
      .updateTable('memberships')
      .set({ role: 'viewer' })
      .where('user_id', '=', viewer.id)
      .where('team_id', '=', viewer.teamId)
      .execute()
    const projectId = (await t.call(token, 'POST', '/api/v1/projects', { name: 'look-only' })).body.uuid
    const serviceId = await createService(t, token, projectId, 'shown', `services:\n  app:\n    image: ${TEST_IMAGE}\n`)
    const context = await browser.newContext()
    const other = await context.newPage()
    try {
      await signIn(other, `${base}/projects`, 'viewer@example.com')
      await other.goto(`${base}/services/${serviceId}`)
      for (const name of ['Deploy', 'Restart', 'Stop'])
        assert.ok(await other.getByRole('button', { name, exact: true }).isDisabled(), `${name} is disabled`)
      await other.getByText('deploying needs the “deploy” ability').waitFor()
    } finally {
      await context.close()
    }
  })
})

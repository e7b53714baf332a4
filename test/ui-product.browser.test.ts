import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { browserSkipReason, launchChromium, screenshotPath, startUiServer } from './support/browser.js'
import { REDIS_IMAGE, removeProject, requireDocker } from './support/docker.js'
import { ADMIN_PASSWORD, type TestApp } from './support/harness.js'

// Issue 17 in a real Chromium against a real Berth and Docker engine: database pages that work,
// the dashboard, container logs, and every page usable at phone width.
const skip = browserSkipReason()
const EMAIL = 'product@example.com'

async function signIn(page: Page, base: string) {
  await page.goto(base)
  await page.getByLabel('E-mail').fill(EMAIL)
  await page.getByLabel('Password').fill(ADMIN_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('navigation', { name: 'Main' }).waitFor()
}

describe('the web UI as a product', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let page: Page
  let base: string
  let token: string
  let projectId: string
  const composeProjects: string[] = []

  before(async () => {
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    await t.app.users.create({ email: EMAIL, password: ADMIN_PASSWORD, admin: true, teamName: 'Default' }, SYSTEM_ACTOR)
    token = await t.token(['read', 'read:sensitive', 'write', 'deploy'], 'Default')
    projectId = (await t.call(token, 'POST', '/api/v1/projects', { name: 'shop' })).body.uuid
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    page.setDefaultTimeout(20_000)
    await signIn(page, base)
  })

  after(async () => {
    await browser?.close()
    await t?.close()
    for (const p of composeProjects) await removeProject(p)
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
    composeProjects.push(composeProjectName(db.uuid))

    // The project page's card: status, and a deploy button that works from there.
    await page.goto(`${base}/projects/${projectId}`)
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

    // The team's deployment list links a database row to its page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deployments' }).click()
    await page
      .getByRole('table', { name: 'All deployments, newest first' })
      .getByRole('link', { name: 'cache' })
      .first()
      .click()
    await page.getByRole('heading', { name: /^cache/, level: 1 }).waitFor()
    assert.match(new URL(page.url()).pathname, new RegExp(`^/databases/${db.uuid}`))
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { browserSkipReason, desktopPage, launchChromium, screenshotPath, startUiServer } from './support/browser.js'
import { ADMIN_PASSWORD, SAMPLE_COMPOSE, type TestApp } from './support/harness.js'

// The journeys of issue 6 that exist on this build, walked in a real Chromium against a real
// Berth (real SQLite file, real HTTP port). Each step builds on the one before.
const skip = browserSkipReason()
const EMAIL = 'admin@example.com'
const INVALID_PORTS = SAMPLE_COMPOSE.replace('    ports:\n      - "8080:80"\n', '    ports: 5\n')

/** Replaces the whole text of the CodeMirror editor, as a user typing would. */
async function replaceEditorText(page: Page, text: string) {
  const editor = page.getByRole('textbox', { name: 'Compose file', exact: true })
  await editor.click()
  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.press('Delete')
  // insertText sends the text as one input (no auto-indent), like a paste.
  await page.keyboard.insertText(text)
}

describe('web UI in Chromium', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let page: Page
  let base: string
  let serviceId: string

  before(async () => {
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    browser = await launchChromium()
    page = await desktopPage(browser, 10_000)
  })

  after(async () => {
    await browser?.close()
    await t?.close()
  })

  it('shows the first-run command while no user exists, then signs in', async () => {
    await page.goto(base)
    await page.getByRole('heading', { name: 'First run: no user exists yet' }).waitFor()
    assert.match(
      await page.locator('.first-run pre').innerText(),
      /npx berth user create --email you@example.com --password-stdin --admin/,
    )
    await page.screenshot({ path: screenshotPath('01-login-first-run'), fullPage: true })

    await t.app.users.create({ email: EMAIL, password: ADMIN_PASSWORD, admin: true, teamName: 'Default' }, SYSTEM_ACTOR)
    await page.reload()
    await page.getByLabel('E-mail').fill(EMAIL)
    await page.getByLabel('Password').fill('wrong-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page
      .getByRole('alert')
      .filter({ hasText: /password|invalid/i })
      .waitFor()
    assert.equal(await page.getByRole('heading', { name: 'First run: no user exists yet' }).count(), 0)

    await page.getByLabel('Password').fill(ADMIN_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    // The dashboard is the home page; the projects page is one click away.
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor()
    assert.equal(new URL(page.url()).pathname, '/')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click()
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
    const cookies = await page.context().cookies()
    const session = cookies.find((c) => c.name === 'berth_session')
    assert.ok(session?.httpOnly, 'the session cookie is httpOnly')
    assert.equal(session?.sameSite, 'Strict')
  })

  it('creates a project and a service', async () => {
    await page.getByLabel('Project name').fill('shop')
    await page.getByLabel('Description').fill('The web shop')
    await page.getByRole('button', { name: 'Create project' }).click()
    await page.getByRole('heading', { name: 'shop', level: 1 }).waitFor()
    await page.getByText('No services yet.').waitFor()

    await page.getByText('New service', { exact: true }).first().click()
    await page.getByLabel('Service name').fill('web')
    const editor = page.getByRole('textbox', { name: 'Compose file of the new service' })
    await editor.click()
    await page.keyboard.press('ControlOrMeta+a')
    await page.keyboard.insertText(SAMPLE_COMPOSE)
    await page.screenshot({ path: screenshotPath('02-project-new-service'), fullPage: true })
    await page.getByRole('button', { name: 'Create service' }).click()

    await page.getByRole('heading', { name: /^web/, level: 1 }).waitFor()
    serviceId = new URL(page.url()).pathname.split('/')[2]!
    await page.getByText('Editing on top of version 1').waitFor()
    assert.match(
      await page.getByRole('textbox', { name: 'Compose file', exact: true }).innerText(),
      /berth-test\/busybox:1/,
    )

    await page.getByRole('link', { name: 'Projects' }).first().click()
    await page.getByRole('link', { name: 'shop' }).waitFor()
    // The list may show its cached copy first and refetch: wait for the count, not the first paint.
    await page
      .locator('.card')
      .first()
      .filter({ hasText: /1 service/ })
      .waitFor()
    await page.screenshot({ path: screenshotPath('03-projects'), fullPage: true })
  })

  it('shows an invalid edit at its line and saves nothing', async () => {
    await page.goto(`${base}/services/${serviceId}`)
    await replaceEditorText(page, INVALID_PORTS)
    await page.getByLabel('Change description').fill('break the ports')
    await page.getByRole('button', { name: 'Save new version' }).click()

    const issues = page.locator('.issues')
    await issues.waitFor()
    assert.match(await issues.innerText(), /Line 5: services\.web\.ports must be a list of port mappings/)
    // The error is drawn in the editor on the line the API named.
    const marked = page.locator('.cm-lintRange-error').first()
    await marked.waitFor()
    assert.equal(await marked.evaluate((el) => el.closest('.cm-line')?.textContent), '    ports: 5')
    assert.equal(await page.locator('.cm-lint-marker-error').count(), 1, 'one marker in the gutter')
    await page.screenshot({ path: screenshotPath('04-compose-invalid'), fullPage: true })

    const stored = await t.app.compose.versions(await teamId(), serviceId)
    assert.equal(stored.current_version, 1, 'nothing was saved')
  })

  it('saves versions with a description, diffs two of them and rolls back after confirmation', async () => {
    await replaceEditorText(page, SAMPLE_COMPOSE.replace('8080:80', '8081:80'))
    await page.getByLabel('Change description').fill('move to 8081')
    await page.getByRole('button', { name: 'Save new version' }).click()
    await page.getByRole('status').filter({ hasText: 'Saved as version 2.' }).waitFor()
    assert.equal(await page.locator('.issues').count(), 0, 'the old problems are gone')

    await replaceEditorText(page, SAMPLE_COMPOSE.replace('8080:80', '8082:80'))
    await page.getByLabel('Change description').fill('move to 8082')
    await page.getByRole('button', { name: 'Save new version' }).click()
    await page.getByRole('status').filter({ hasText: 'Saved as version 3.' }).waitFor()

    await page.getByRole('link', { name: 'History' }).click()
    await page.getByRole('heading', { name: 'Version history' }).waitFor()
    const rows = page.locator('table.versions tbody tr')
    assert.deepEqual(await rows.locator('td:first-child').allInnerTexts(), ['v3current', 'v2', 'v1'])
    assert.match(await rows.first().innerText(), /move to 8082/)
    assert.match(await rows.first().innerText(), new RegExp(EMAIL))

    // Default: what the newest version changed; then pick v1 -> v3.
    await page.getByRole('heading', { name: 'Changes from v2 to v3' }).waitFor()
    await page.getByRole('radio', { name: 'Compare from version 1' }).check()
    await page.getByRole('heading', { name: 'Changes from v1 to v3' }).waitFor()
    const diff = page.getByTestId('diff-view')
    await diff.locator('.d2h-del', { hasText: '8080:80' }).first().waitFor()
    assert.match(
      await diff
        .locator('.d2h-ins')
        .allInnerTexts()
        .then((t) => t.join('\n')),
      /8082:80/,
    )
    await page.getByRole('radio', { name: 'Side by side' }).check()
    await diff.locator('.d2h-file-side-diff').first().waitFor()
    await page.screenshot({ path: screenshotPath('05-history-diff'), fullPage: true })

    // Cancelling changes nothing; confirming writes version 4 equal to version 1.
    await page.getByRole('button', { name: 'Roll back to v1' }).click()
    const dialog = page.getByRole('dialog', { name: 'Roll back to version 1?' })
    await dialog.waitFor()
    await page.screenshot({ path: screenshotPath('06-rollback-confirm') })
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'hidden' })
    assert.equal((await t.app.compose.versions(await teamId(), serviceId)).current_version, 3)

    await page.getByRole('button', { name: 'Roll back to v1' }).click()
    await dialog.getByRole('button', { name: 'Roll back to v1' }).click()
    await page.getByRole('status').filter({ hasText: 'Rolled back to version 1: saved as version 4.' }).waitFor()
    await page.locator('table.versions tbody tr').first().filter({ hasText: 'Rollback to version 1' }).waitFor()
    const current = await t.app.compose.getCurrent(await teamId(), serviceId)
    assert.equal(current.version, 4)
    assert.equal(current.yaml, SAMPLE_COMPOSE)
  })

  it('keeps the user text on a version conflict and shows the other version beside it', async () => {
    await page.getByRole('link', { name: 'Compose' }).click()
    await page.getByText('Editing on top of version 4').waitFor()
    const mine = SAMPLE_COMPOSE.replace('8080:80', '9000:80')
    await replaceEditorText(page, mine)
    // Someone else saves meanwhile.
    await t.app.compose.update(
      await teamId(),
      serviceId,
      { yaml: SAMPLE_COMPOSE.replace('8080:80', '7000:80'), baseVersion: 4, description: 'their change' },
      SYSTEM_ACTOR,
    )
    await page.getByLabel('Change description').fill('my change')
    await page.getByRole('button', { name: 'Save new version' }).click()

    await page.getByRole('heading', { name: 'Version 5 was saved while you were editing' }).waitFor()
    const merge = page.getByTestId('conflict-merge')
    assert.match(await merge.getByRole('textbox', { name: 'Stored version' }).innerText(), /7000:80/)
    assert.match(await merge.getByRole('textbox', { name: 'Your text' }).innerText(), /9000:80/)
    assert.ok((await merge.locator('.cm-changedLine, .cm-changedText').count()) > 0, 'the difference is highlighted')
    assert.match(
      await page.getByRole('textbox', { name: 'Compose file', exact: true }).innerText(),
      /9000:80/,
      'the editor still has my text',
    )
    await page.screenshot({ path: screenshotPath('07-compose-conflict'), fullPage: true })

    await page.getByRole('button', { name: 'Keep my text on top of version 5' }).click()
    await page.getByRole('button', { name: 'Save new version' }).click()
    await page.getByRole('status').filter({ hasText: 'Saved as version 6.' }).waitFor()
    const current = await t.app.compose.getCurrent(await teamId(), serviceId)
    assert.equal(current.yaml, mine)
    assert.equal(current.description, 'my change')
  })

  it('masks secret environment values until revealed', async () => {
    await page.getByRole('link', { name: 'Environment' }).click()
    await page.getByLabel('Name').fill('DB_PASSWORD')
    await page.getByLabel('Value').fill('hunter2-hunter2')
    await page.getByRole('button', { name: 'Save variable' }).click()
    const value = page.getByTestId('env-value-DB_PASSWORD')
    await value.waitFor()
    assert.equal(await value.innerText(), '••••••••')
    assert.ok(!(await page.content()).includes('hunter2-hunter2'), 'the secret is not in the page until revealed')
    await page.screenshot({ path: screenshotPath('08-environment'), fullPage: true })
    await page.getByRole('button', { name: 'Reveal DB_PASSWORD' }).click()
    assert.equal(await value.innerText(), 'hunter2-hunter2')
  })

  it('lists every change in the audit log, newest first, with more on demand', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click()
    const items = page.locator('.audit-item .audit-action')
    await items.first().waitFor()
    const actions = await items.allInnerTexts()
    assert.equal(actions[0], 'env.updated', 'newest first')
    for (const action of [
      'compose.rolled_back',
      'compose.updated',
      'service.created',
      'project.created',
      'auth.login',
    ]) {
      assert.ok(actions.includes(action), `${action} is in the feed (${actions.join(', ')})`)
    }
    assert.match(
      await page.locator('.audit-item').filter({ hasText: 'compose.rolled_back' }).innerText(),
      /rolled_back_to: 1/,
    )
    await page.screenshot({ path: screenshotPath('09-audit'), fullPage: true })

    await page.getByLabel('Action').fill('compose.*')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.audit-action')].every((el) => el.textContent?.startsWith('compose.')),
    )
  })

  it('creates an API token, shows it once, and revokes it', async () => {
    await page.getByRole('link', { name: 'API tokens' }).click()
    await page.getByLabel('Token name').fill('laptop')
    await page.getByRole('button', { name: 'Create token' }).click()
    const secret = page.locator('.token-secret code')
    await secret.waitFor()
    assert.match(await secret.innerText(), /^berth_/)
    await page.screenshot({ path: screenshotPath('10-tokens'), fullPage: true })
    await page.getByRole('button', { name: 'Done' }).click()
    assert.equal(await secret.count(), 0, 'the secret is gone once dismissed')
    await page.getByRole('button', { name: 'Revoke laptop' }).click()
    await page.getByText('No active tokens.').waitFor()
  })

  it('is usable at phone width in the dark scheme', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
      storageState: await page.context().storageState(),
    })
    try {
      await phone.goto(`${base}/services/${serviceId}`)
      await phone.getByRole('textbox', { name: 'Compose file', exact: true }).waitFor()
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      assert.ok(overflow <= 1, `no sideways scrolling at 390 px (overflow ${overflow}px)`)
      await phone.screenshot({ path: screenshotPath('11-phone-dark-service'), fullPage: true })
    } finally {
      await phone.close()
    }
  })

  it('serves client routes on reload and keeps unknown API paths as JSON 404', async () => {
    const response = await page.goto(`${base}/services/${serviceId}/history`)
    assert.equal(response?.status(), 200)
    await page.getByRole('heading', { name: 'Version history' }).waitFor()
    const api = await page.request.get(`${base}/api/v1/no-such-route`)
    assert.equal(api.status(), 404)
    assert.equal((await api.json()).error.code, 'not_found')
  })

  async function teamId(): Promise<string> {
    const user = await t.app.users.findByEmail(EMAIL)
    const membership = await t.app.users.primaryMembership(user!.id)
    return membership!.team_id
  }
})

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import {
  browserSkipReason,
  desktopPage,
  launchChromium,
  screenshotPath,
  signIn,
  startUiServer,
} from './support/browser.js'
import { requireDocker } from './support/docker.js'
import { ADMIN_PASSWORD, SAMPLE_COMPOSE, type TestApp } from './support/harness.js'

// Issue 6, second half: domains and routes with a live preview, the proxy files, databases,
// servers, backups, settings and the audit trail of all of it, in a real Chromium against a
// real Berth. Each step builds on the one before.
const skip = browserSkipReason()
const EMAIL = 'ops-admin@example.com'
const HOST = 'shop.example.com'

describe('web UI in Chromium: proxy and administration', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let page: Page
  let base: string
  let projectId: string

  before(async () => {
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    await t.app.users.create({ email: EMAIL, password: ADMIN_PASSWORD, admin: true, teamName: 'Default' }, SYSTEM_ACTOR)
    const setup = await t.token(['root', 'instance'])
    projectId = (await t.call(setup, 'POST', '/api/v1/projects', { name: 'shop' })).body.uuid
    assert.equal(
      (await t.call(setup, 'POST', `/api/v1/projects/${projectId}/services`, { name: 'web', compose: SAMPLE_COMPOSE }))
        .status,
      201,
    )
    t.app.proxySync.start(t.app.events)
    browser = await launchChromium()
    page = await desktopPage(browser)
  })

  after(async () => {
    await browser?.close()
    await t?.close()
  })

  it('signs in', async () => {
    await signIn(page, `${base}/projects/${projectId}/middlewares`, EMAIL, {
      until: page.getByRole('heading', { name: 'shop', level: 1 }),
    })
  })

  it('adds a middleware of a chosen type with its config', async () => {
    await page.getByText('New middleware', { exact: true }).click()
    await page.getByLabel('Middleware name').fill('to-https')
    await page.getByLabel('Type', { exact: true }).selectOption('rate-limit')
    assert.match(
      await page.getByLabel(/^Config/).inputValue(),
      /"average": 100/,
      'the form starts from an example of the type',
    )
    await page.getByLabel(/^Config/).fill('{ "average": 0 }')
    await page.getByRole('button', { name: 'Add middleware' }).click()
    await page.locator('.field-error').filter({ hasText: 'config.average' }).waitFor()
    await page.getByLabel('Type', { exact: true }).selectOption('redirect-scheme')
    await page.getByRole('button', { name: 'Add middleware' }).click()
    await page
      .getByRole('table', { name: 'Middlewares' })
      .getByRole('cell', { name: 'to-https', exact: true })
      .waitFor()
  })

  it('shows the API complaint about an invalid host at the field, then previews and saves a domain', async () => {
    await page
      .getByRole('navigation', { name: 'Project sections' })
      .getByRole('link', { name: 'Domains & routes' })
      .click()
    await page.getByRole('button', { name: 'New domain' }).click()
    const domain = page.getByLabel('Domain', { exact: true })
    await domain.fill('*.bad*.example.com')
    const problem = page.locator('.field-error').filter({ hasText: '*' })
    await problem.waitFor()
    assert.equal(await domain.getAttribute('aria-invalid'), 'true')
    assert.equal(
      await domain.getAttribute('aria-describedby'),
      await problem.getAttribute('id'),
      'the error is linked to the field',
    )

    await domain.fill(HOST)
    await problem.waitFor({ state: 'detached' })
    await page.locator('.proxy-preview').waitFor()
    await page.screenshot({ path: screenshotPath('proxy-01-domain-form'), fullPage: true })
    await page.getByRole('button', { name: 'Add domain' }).click()
    await page.getByRole('heading', { name: HOST, level: 3 }).waitFor()
  })

  it('previews a route before saving: the generated file holds the host rule and the diff shows it', async () => {
    await page.getByRole('button', { name: `Add route to ${HOST}` }).click()
    // The pickers offer the compose services and the container ports of the stored compose file.
    const offered = (id: string) =>
      page
        .locator(`datalist[id^="${id}"] option`)
        .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))
    await page.waitForFunction(() => document.querySelectorAll('datalist[id^="compose-services"] option').length > 0)
    assert.deepEqual(await offered('compose-services'), ['web'])
    await page.getByLabel('Port').fill('8000')
    await page.getByLabel('Compose service').fill('web')
    assert.equal(await page.getByLabel('Port').inputValue(), '80', 'picking web fills in its container port')
    assert.deepEqual(await offered('compose-ports'), ['80'])
    await page.getByRole('checkbox', { name: /to-https/ }).check()
    const preview = page.getByRole('textbox', { name: new RegExp(`^Preview of dynamic/project-${projectId}`) })
    await preview.waitFor()
    // The preview follows the form after a pause: it may still show the file from before the checkbox.
    await page.waitForFunction(() => {
      const file = document.querySelector('.proxy-preview .cm-content')?.textContent ?? ''
      return file.includes('Host(`shop.example.com`)') && file.includes('redirectScheme:')
    })
    assert.match(await preview.innerText(), /redirectScheme:/, 'the picked middleware is in the file')
    assert.match(await page.locator('.proxy-preview .diff-view').innerText(), /Host\(`shop\.example\.com`\)/)
    assert.equal(
      (await t.app.db.selectFrom('proxy_routes').select('id').execute()).length,
      0,
      'nothing is saved by the preview',
    )
    await page.screenshot({ path: screenshotPath('proxy-02-route-preview'), fullPage: true })

    await page.getByLabel('Port').fill('8080')
    await page.waitForFunction(() =>
      document.querySelector('.proxy-preview .cm-content')?.textContent?.includes(':8080'),
    )
    await page.getByRole('button', { name: 'Add route', exact: true }).click()
    const routes = page.getByRole('table', { name: `Routes of ${HOST}` })
    await routes.getByText('web / web:8080').waitFor()
    assert.match(await routes.innerText(), /to-https/)
  })

  it('browses the generated file on the proxy page, with sync status and Sync now', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Proxy' }).click()
    await page.getByRole('heading', { name: 'Generated files' }).waitFor()
    // The file is named with its project, not only by the project's id.
    await page.getByRole('button', { name: new RegExp(`^shop · project-${projectId}\\.yml`) }).click()
    const content = page.getByRole('textbox', { name: `Content of dynamic/project-${projectId}.yml` })
    await content.waitFor()
    await page.waitForFunction(() =>
      document.querySelector('.file-viewer .cm-content')?.textContent?.includes('routers'),
    )
    assert.match(await content.innerText(), /Host\(`shop\.example\.com`\)/)
    await page.getByRole('button', { name: 'Sync now' }).click()
    await page
      .getByRole('status')
      .filter({ hasText: /^Synced in/ })
      .waitFor()
    assert.match(await page.getByTestId('drift-count').innerText(), /^0 now/)
    await page.screenshot({ path: screenshotPath('proxy-03-files'), fullPage: true })
  })

  it('creates a database with the wizard and shows its connection string masked until revealed', async () => {
    await page.goto(`${base}/projects/${projectId}/databases`)
    await page.getByText('New database', { exact: true }).click()
    await page.getByRole('button', { name: /^postgresql/ }).click()
    await page.getByLabel('Database name').fill('orders')
    await page.getByRole('button', { name: 'Create database' }).click()
    const connection = page.getByTestId('connection-orders')
    await connection.waitFor()
    assert.match(await connection.innerText(), /^postgres:\/\/berth:•+@/)
    await page.screenshot({ path: screenshotPath('proxy-04-database'), fullPage: true })
    await page.getByRole('button', { name: 'Reveal connection string of orders' }).click()
    const url = await connection.innerText()
    const password = /^postgres:\/\/berth:([A-Za-z0-9_-]{32})@.+:5432\/orders$/.exec(url)?.[1]
    assert.ok(password, url)
    await page.getByRole('button', { name: 'Hide connection string of orders' }).click()
    assert.ok(!(await page.content()).includes(password), 'hidden again, the password leaves the page')
  })

  it('refuses an SSH server with a bad key at the key field, and forgets the key it was given', async () => {
    await page.getByRole('link', { name: 'Servers' }).click()
    await page.getByRole('table', { name: 'Servers' }).waitFor()
    await page.getByLabel('Server name').fill('remote')
    await page.getByLabel('SSH address').fill('ssh://deploy@203.0.113.7:22')
    await page.getByLabel('Private key').fill('not a key')
    await page.getByRole('button', { name: 'Add server' }).click()
    await page.locator('.field-error').filter({ hasText: 'private_key must be a PEM' }).waitFor()
    assert.equal(await page.getByLabel('Private key').inputValue(), '', 'the key is not kept in the form')
  })

  it('checks the localhost server and shows the engine it found', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    await page.getByRole('button', { name: 'Check localhost' }).click()
    await page.waitForFunction(() =>
      /Docker \d+.*Compose.*[\d.]+ [KMGT]iB free of [\d.]+ [KMGT]iB/.test(
        document.querySelector('[data-testid="server-state-localhost"]')?.textContent ?? '',
      ),
    )
    await page.screenshot({ path: screenshotPath('proxy-05-servers'), fullPage: true })
  })

  it('takes a backup, lists it and downloads it', async () => {
    await page.getByRole('link', { name: 'Backups' }).click()
    await page.getByRole('button', { name: 'Back up now' }).click()
    await page
      .getByRole('status')
      .filter({ hasText: /taken and verified/ })
      .waitFor()
    const link = page.getByRole('table', { name: 'Backups, newest first' }).getByRole('link')
    await link.waitFor()
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    assert.match(download.suggestedFilename(), /\.gz$/)
    await page.screenshot({ path: screenshotPath('proxy-06-backups'), fullPage: true })
  })

  it("sets the Let's Encrypt e-mail", async () => {
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByLabel("Let's Encrypt e-mail").fill('certs@example.com')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor()
    assert.equal((await t.app.settings.get()).letsencrypt_email, 'certs@example.com')
    await page.screenshot({ path: screenshotPath('proxy-07-settings'), fullPage: true })
  })

  it('finds these actions in the audit log by their actor', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click()
    await page.locator('.audit-item').first().waitFor()
    await page.getByRole('button', { name: 'Only my actions' }).click()
    await page.getByRole('button', { name: 'Clear filters' }).waitFor()
    await page.waitForFunction(() => !document.querySelector('.audit-feed')?.textContent?.includes('project.created'))
    const actions = await page.locator('.audit-item .audit-action').allInnerTexts()
    for (const action of [
      'middleware.created',
      'domain.created',
      'route.created',
      'database.created',
      'backup.created',
    ]) {
      assert.ok(actions.includes(action), `${action} is in the feed (${actions.join(', ')})`)
    }
    const actors = await page.locator('.audit-item .link-button').allInnerTexts()
    assert.ok(
      actors.every((a) => a === EMAIL),
      `only the signed-in user's entries (${actors.join(', ')})`,
    )
    await page.screenshot({ path: screenshotPath('proxy-08-audit'), fullPage: true })
  })

  it('deletes a database only after confirmation', async () => {
    await page.goto(`${base}/projects/${projectId}/databases`)
    await page.getByRole('button', { name: 'Delete orders' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete orders?' })
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    assert.equal(await page.getByTestId('connection-orders').count(), 1, 'cancel keeps it')
    await page.getByRole('button', { name: 'Delete orders' }).click()
    await dialog.getByRole('button', { name: 'Delete database' }).click()
    await page.getByText('No databases yet.').waitFor()
  })

  it('tells a member without root why settings are read-only and backups are out of reach', async () => {
    await t.app.users.create(
      { email: 'member@example.com', password: ADMIN_PASSWORD, teamName: 'Default' },
      SYSTEM_ACTOR,
    )
    const member = await desktopPage(browser)
    try {
      await signIn(member, `${base}/settings`, 'member@example.com', {
        until: member.getByRole('status').filter({ hasText: 'only instance administrators change them' }),
      })
      assert.equal(
        await member.getByLabel("Let's Encrypt e-mail").inputValue(),
        'certs@example.com',
        'a member reads the settings',
      )
      assert.equal(await member.getByRole('button', { name: 'Save settings' }).isDisabled(), true)
      await member.screenshot({ path: screenshotPath('proxy-10-settings-member'), fullPage: true })
      await member.getByRole('link', { name: 'Backups' }).click()
      await member.getByRole('status').filter({ hasText: 'they are for instance administrators' }).waitFor()
    } finally {
      await member.close()
    }
  })

  it('is usable at phone width in the dark scheme', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
      storageState: await page.context().storageState(),
    })
    try {
      await phone.goto(`${base}/projects/${projectId}/domains`)
      await phone.getByRole('heading', { name: HOST, level: 3 }).waitFor()
      const overflow = await phone.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      )
      assert.ok(overflow <= 0, `no horizontal scrolling of the page (${overflow}px)`)
      await phone.screenshot({ path: screenshotPath('proxy-09-phone-dark'), fullPage: true })
    } finally {
      await phone.close()
    }
  })
})

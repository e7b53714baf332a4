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
import { ADMIN_PASSWORD, type TestApp } from './support/harness.js'

// Issue 11, TLS without surprises, in a real Chromium: a new domain's HTTPS starts from what can
// work, picking Let's Encrypt without an ACME e-mail asks for it (instance administrators set it
// in the form, everyone else is told who can), and the proxy's own certificate needs nothing.
const skip = browserSkipReason()
const ADMIN = 'tls-admin@example.com'
const MEMBER = 'tls-member@example.com'

describe("web UI in Chromium: a domain's TLS", { skip }, () => {
  let t: TestApp
  let browser: Browser
  let base: string
  let projectId: string

  before(async () => {
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    // The first user of an instance administers it; the second is a plain member of the team.
    await t.app.users.create({ email: ADMIN, password: ADMIN_PASSWORD, admin: true, teamName: 'Default' }, SYSTEM_ACTOR)
    await t.app.users.create({ email: MEMBER, password: ADMIN_PASSWORD, teamName: 'Default' }, SYSTEM_ACTOR)
    const setup = await t.token(['root'])
    projectId = (await t.call(setup, 'POST', '/api/v1/projects', { name: 'site' })).body.uuid
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await t?.close()
  })

  async function signedIn(email: string): Promise<Page> {
    const page = await desktopPage(browser)
    await signIn(page, `${base}/projects/${projectId}/domains`, email, {
      until: page.getByRole('heading', { name: 'site', level: 1 }),
    })
    return page
  }

  it("tells a member that an instance administrator must set the e-mail, and saves a domain with the proxy's own certificate", async () => {
    const page = await signedIn(MEMBER)
    try {
      await page.getByRole('button', { name: 'New domain' }).click()
      await page.getByLabel('Domain', { exact: true }).fill('intranet.site.internal')
      const https = page.getByLabel('HTTPS', { exact: true })
      assert.equal(await https.inputValue(), 'none', 'without an ACME e-mail a new domain starts as HTTP only')
      await https.selectOption('acme')
      await page.getByRole('status').filter({ hasText: 'an instance administrator must set it in Settings' }).waitFor()
      assert.equal(await page.getByLabel("Let's Encrypt e-mail").count(), 0, 'a member is not offered the field')
      const add = page.getByRole('button', { name: 'Add domain' })
      await page.waitForFunction(() =>
        (document.querySelector('.proxy-preview') as HTMLElement | null)?.innerText.includes('ACME e-mail'),
      )
      assert.equal(await add.isDisabled(), true, 'saving would be refused')
      await page.screenshot({ path: screenshotPath('tls-01-member-acme'), fullPage: true })

      await https.selectOption('internal')
      await page.getByRole('status').filter({ hasText: 'an instance administrator' }).waitFor({ state: 'detached' })
      await page.waitForFunction(
        () => !(document.querySelector('button[type="submit"]') as HTMLButtonElement | null)?.disabled,
      )
      await add.click()
      await page.getByRole('heading', { name: /intranet\.site\.internal/, level: 3 }).waitFor()
      assert.match(
        await page.getByRole('heading', { name: /intranet\.site\.internal/, level: 3 }).innerText(),
        /HTTPS \(proxy's own certificate\)/,
      )
      const stored = await t.app.db.selectFrom('proxy_domains').select('tls_mode').executeTakeFirstOrThrow()
      assert.equal(stored.tls_mode, 'internal')
      assert.equal((await t.app.settings.get()).letsencrypt_email, null)
    } finally {
      await page.close()
    }
  })

  it("asks an instance administrator for the Let's Encrypt e-mail on the first ACME domain, sets it, then saves the domain", async () => {
    const page = await signedIn(ADMIN)
    try {
      await page.getByRole('button', { name: 'New domain' }).click()
      await page.getByLabel('Domain', { exact: true }).fill('www.site.example')
      await page.getByLabel('HTTPS', { exact: true }).selectOption('acme')
      const prompt = page.getByRole('group', { name: "Let's Encrypt e-mail for this instance" })
      await prompt.waitFor()
      const add = page.getByRole('button', { name: 'Add domain' })
      await page.waitForFunction(() =>
        (document.querySelector('.proxy-preview') as HTMLElement | null)?.innerText.includes('ACME e-mail'),
      )
      assert.equal(await add.isDisabled(), true)
      await page.screenshot({ path: screenshotPath('tls-02-admin-email-prompt'), fullPage: true })

      await prompt.getByLabel("Let's Encrypt e-mail").fill('not-an-address')
      await prompt.getByRole('button', { name: 'Set e-mail' }).click()
      await prompt.locator('.field-error').waitFor()
      await prompt.getByLabel("Let's Encrypt e-mail").fill('certs@site.example')
      await prompt.getByRole('button', { name: 'Set e-mail' }).click()
      await prompt.waitFor({ state: 'detached' })
      assert.equal((await t.app.settings.get()).letsencrypt_email, 'certs@site.example')

      await page.waitForFunction(
        () => !(document.querySelector('button[type="submit"]') as HTMLButtonElement | null)?.disabled,
      )
      await add.click()
      const heading = page.getByRole('heading', { name: /www\.site\.example/, level: 3 })
      await heading.waitFor()
      assert.match(await heading.innerText(), /HTTPS/)
      const stored = await t.app.db
        .selectFrom('proxy_domains')
        .select('tls_mode')
        .where('full_domain', '=', 'www.site.example')
        .executeTakeFirstOrThrow()
      assert.equal(stored.tls_mode, 'acme')

      await page.getByRole('button', { name: 'New domain' }).click()
      assert.equal(
        await page.getByLabel('HTTPS', { exact: true }).inputValue(),
        'acme',
        "with the e-mail set, a new domain starts with Let's Encrypt",
      )
    } finally {
      await page.close()
    }
  })
})

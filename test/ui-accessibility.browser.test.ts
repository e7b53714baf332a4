import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { browserSkipReason, DESKTOP, launchChromium, screenshotPath, signIn, startUiServer } from './support/browser.js'
import { ADMIN_PASSWORD, SAMPLE_COMPOSE, type TestApp } from './support/harness.js'

// Issue 6: "Accessible (labels, keyboard use, focus) ... dark and light". axe-core checks every
// main page against WCAG 2 A and AA, in both colour schemes (contrast differs between them), in a
// real Chromium against a real Berth with data on each page. Then the keyboard: Tab reaches the
// navigation with a visible focus ring, and Escape closes a dialog and gives focus back.
const skip = browserSkipReason()
const EMAIL = 'a11y-admin@example.com'
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const SCHEMES = ['light', 'dark'] as const
// `npm run screenshots`: every page below also saved as a picture, at desktop and at phone width.
const SCREENSHOTS = process.env.BERTH_SCREENSHOTS === '1'
const PHONE = { width: 390, height: 844 }

async function screenshotsOf(page: Page, name: string) {
  await page.screenshot({ path: screenshotPath(`page-${name}-desktop`), fullPage: true })
  await page.setViewportSize(PHONE)
  await page.screenshot({ path: screenshotPath(`page-${name}-phone`), fullPage: true })
  await page.setViewportSize(DESKTOP)
}

type Violation = {
  id: string
  impact: string | null
  help: string
  nodes: { target: unknown[]; failureSummary?: string }[]
}

/** Runs axe on the page as it is now; returns the serious and critical WCAG 2 A/AA violations. */
async function seriousViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_PATH })
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Violation[] }> } }
    ).axe
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    })
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }))
  })
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

function describeViolations(violations: Violation[]): string {
  return violations
    .map((v) => {
      const more = v.nodes.length > 3 ? ` and ${v.nodes.length - 3} more` : ''
      return `${v.id} (${v.impact}): ${v.help} at ${v.nodes
        .slice(0, 3)
        .map((n) => JSON.stringify(n.target))
        .join(', ')}${more}\n  ${v.nodes[0]?.failureSummary ?? ''}`
    })
    .join('\n')
}

/** Waits until the page shows its title and nothing is loading any more. */
async function settled(page: Page, heading: string | RegExp) {
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0)
}

describe('web UI in Chromium: accessibility', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let page: Page
  let base: string
  let projectId: string
  let serviceId: string
  let databaseId: string
  let invitePath: string
  let resetPath: string
  // What the browser's console reported as an error since the last page checked it.
  const consoleErrors: string[] = []

  before(async () => {
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    await t.app.users.create({ email: EMAIL, password: ADMIN_PASSWORD, admin: true, teamName: 'Default' }, SYSTEM_ACTOR)
    await t.app.settings.update({ letsencrypt_email: 'ops@example.com' }, SYSTEM_ACTOR)
    // Data on every page, so axe sees tables, forms and cards rather than empty states.
    const root = await t.token(['root', 'instance'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'shop', description: 'The web shop' })).body
      .uuid
    const service = await t.call(root, 'POST', `/api/v1/projects/${projectId}/services`, {
      name: 'web',
      compose: SAMPLE_COMPOSE,
    })
    assert.equal(service.status, 201)
    serviceId = service.body.uuid
    const second = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/compose`, {
      yaml: `${SAMPLE_COMPOSE}# tuned\n`,
      base_version: 1,
      description: 'tune',
    })
    assert.equal(second.status, 200, JSON.stringify(second.body))
    assert.equal(
      (
        await t.call(root, 'PUT', `/api/v1/services/${serviceId}/env`, {
          LOG_LEVEL: { value: 'info' },
          API_KEY: { value: 's3cret-value', secret: true },
        })
      ).status,
      200,
    )
    const params = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/parameters`, {
      parameters: { replicas: { type: 'integer', value: 2 } },
    })
    assert.equal(params.status, 200, JSON.stringify(params.body))
    const domain = await t.call(root, 'POST', `/api/v1/projects/${projectId}/domains`, { domain: 'shop.example.com' })
    assert.equal(domain.status, 201, JSON.stringify(domain.body))
    const route = await t.call(root, 'POST', `/api/v1/domains/${domain.body.id}/routes`, {
      target: { service: serviceId, compose_service: 'web', port: 80 },
    })
    assert.equal(route.status, 201, JSON.stringify(route.body))
    const database = await t.call(root, 'POST', `/api/v1/projects/${projectId}/databases`, {
      type: 'postgresql',
      name: 'orders',
    })
    assert.equal(database.status, 201)
    databaseId = database.body.uuid
    assert.equal((await t.call(root, 'POST', '/api/v1/backups')).status, 201)
    // Notifications: a channel with one delivery in the log (to a port nothing listens on: failed attempts).
    const channel = await t.call(root, 'POST', '/api/v1/notifications/channels', {
      name: 'ops',
      type: 'slack',
      url: 'http://127.0.0.1:1/services/hook',
    })
    assert.equal(channel.status, 201, JSON.stringify(channel.body))
    assert.equal((await t.call(root, 'POST', `/api/v1/notifications/channels/${channel.body.id}/test`)).status, 202)
    // Teams: the signed-in user is in a second team (the switcher shows), the Team page has a
    // pending invitation, and the public pages have a link each to show.
    const otherTeam = await t.token(['root'], 'Second')
    const join = await t.call(otherTeam, 'POST', '/api/v1/team/invitations', { role: 'member' })
    assert.equal(
      (
        await t.call(undefined, 'POST', `/api/v1/invitations/${join.body.token}/accept`, {
          email: EMAIL,
          password: ADMIN_PASSWORD,
        })
      ).status,
      200,
    )
    invitePath = (await t.call(root, 'POST', '/api/v1/team/invitations', { role: 'viewer' })).body.path
    const admin = await t.app.users.findByEmail(EMAIL)
    const reset = await t.call(root, 'POST', `/api/v1/users/${admin!.id}/password-reset`)
    assert.equal(reset.status, 201, JSON.stringify(reset.body))
    resetPath = reset.body.path
    browser = await launchChromium()
    // Berth's CSP allows only its own scripts; the test injects axe, so this page alone bypasses it.
    page = await browser.newPage({ viewport: DESKTOP, bypassCSP: true })
    page.setDefaultTimeout(15_000)
    // Any error in the console fails the page (a failed request shows there too), but for a request
    // Chromium itself aborted because the machine's addresses changed (the engine made a bridge for
    // another test's network): not the page's doing, and the page's query retries it.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('net::ERR_NETWORK_CHANGED'))
        consoleErrors.push(`${m.text()} (${m.location().url})`)
    })
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`))
  })

  after(async () => {
    await browser?.close()
    await t?.close()
  })

  for (const colorScheme of SCHEMES) {
    it(`has no serious violations on the login page (${colorScheme})`, async () => {
      await page.emulateMedia({ colorScheme })
      await page.goto(`${base}/projects`)
      await page.getByRole('button', { name: 'Sign in' }).waitFor()
      const violations = await seriousViolations(page)
      assert.equal(violations.length, 0, describeViolations(violations))
    })
  }

  const publicPages: { name: string; path: () => string; heading: RegExp }[] = [
    { name: 'invitation', path: () => invitePath, heading: /Join a team/ },
    { name: 'password reset', path: () => resetPath, heading: /Set a new password/ },
  ]
  for (const colorScheme of SCHEMES) {
    for (const { name, path, heading } of publicPages) {
      it(`has no serious violations on the public ${name} page (${colorScheme})`, async () => {
        await page.emulateMedia({ colorScheme })
        await page.goto(`${base}${path()}`)
        await settled(page, heading)
        await page.getByRole('textbox').first().waitFor()
        const violations = await seriousViolations(page)
        assert.equal(violations.length, 0, describeViolations(violations))
      })
    }
  }

  it('signs in', async () => {
    await signIn(page, `${base}/projects`, EMAIL)
  })

  const pages: { name: string; path: () => string; heading: string | RegExp }[] = [
    { name: 'dashboard', path: () => '/', heading: 'Dashboard' },
    { name: 'projects', path: () => '/projects', heading: 'Projects' },
    { name: 'project', path: () => `/projects/${projectId}`, heading: 'shop' },
    { name: 'project databases tab', path: () => `/projects/${projectId}/databases`, heading: 'shop' },
    { name: 'project domains tab', path: () => `/projects/${projectId}/domains`, heading: 'shop' },
    { name: 'project middlewares tab', path: () => `/projects/${projectId}/middlewares`, heading: 'shop' },
    { name: 'database', path: () => `/databases/${databaseId}`, heading: /orders/ },
    { name: 'database deployments tab', path: () => `/databases/${databaseId}/deployments`, heading: /orders/ },
    { name: 'database backups tab', path: () => `/databases/${databaseId}/backups`, heading: /orders/ },
    { name: 'service deployments tab', path: () => `/services/${serviceId}/deployments`, heading: /web/ },
    { name: 'service compose tab', path: () => `/services/${serviceId}`, heading: /web/ },
    { name: 'service history tab', path: () => `/services/${serviceId}/history`, heading: /web/ },
    { name: 'service env tab', path: () => `/services/${serviceId}/env`, heading: /web/ },
    { name: 'service parameters tab', path: () => `/services/${serviceId}/parameters`, heading: /web/ },
    { name: 'templates', path: () => '/templates', heading: 'Templates' },
    { name: 'template form', path: () => '/templates/wordpress', heading: 'WordPress' },
    { name: 'template import', path: () => '/templates/import', heading: 'Import a template' },
    { name: 'service logs tab', path: () => `/services/${serviceId}/logs`, heading: /web/ },
    { name: 'service terminal tab', path: () => `/services/${serviceId}/terminal`, heading: /web/ },
    { name: 'project settings tab', path: () => `/projects/${projectId}/settings`, heading: 'shop' },
    { name: 'audit', path: () => '/audit', heading: 'Audit log' },
    { name: 'proxy', path: () => '/proxy', heading: 'Proxy' },
    { name: 'tokens', path: () => '/tokens', heading: 'API tokens' },
    { name: 'deployments', path: () => '/deployments', heading: 'Deployments' },
    { name: 'servers', path: () => '/servers', heading: 'Servers' },
    { name: 'backups', path: () => '/backups', heading: 'Backups' },
    { name: 'settings', path: () => '/settings', heading: 'Settings' },
    { name: 'team', path: () => '/team', heading: 'Team' },
    { name: 'notifications', path: () => '/team/notifications', heading: 'Notifications' },
    { name: 'instance notifications', path: () => '/instance/notifications', heading: 'Instance notifications' },
    { name: 'backup destinations', path: () => '/team/backup-destinations', heading: 'Backup destinations' },
    { name: 'registries', path: () => '/team/registries', heading: 'Registries' },
    { name: 'account', path: () => '/account', heading: 'Account' },
    { name: 'admin users', path: () => '/admin/users', heading: 'Instance administration' },
    { name: 'admin teams', path: () => '/admin/teams', heading: 'Instance administration' },
  ]
  for (const colorScheme of SCHEMES) {
    for (const { name, path, heading } of pages) {
      it(`has no serious violations on the ${name} page (${colorScheme})`, async () => {
        await page.emulateMedia({ colorScheme })
        consoleErrors.length = 0
        await page.goto(`${base}${path()}`)
        await settled(page, heading)
        const violations = await seriousViolations(page)
        assert.equal(violations.length, 0, describeViolations(violations))
        // A title that names the page, the landmarks a screen reader jumps between, a quiet console.
        const h1 = (await page.getByRole('heading', { level: 1 }).first().innerText()).replace(/\s+/g, ' ').trim()
        assert.equal(await page.title(), `${h1} · Berth`)
        assert.equal(await page.getByRole('main').count(), 1, 'one main landmark')
        assert.equal(await page.getByRole('banner').count(), 1, 'one banner landmark')
        await page.getByRole('navigation', { name: 'Main' }).waitFor()
        assert.deepEqual(consoleErrors, [], 'console errors')
        if (SCREENSHOTS) await screenshotsOf(page, `${name.replace(/\s+/g, '-')}-${colorScheme}`)
      })
    }
  }

  it('reaches the main navigation with Tab and shows where the focus is', async () => {
    await page.emulateMedia({ colorScheme: 'light' })
    await page.goto(`${base}/projects`)
    await settled(page, 'Projects')
    const reached: string[] = []
    for (let presses = 0; presses < 12; presses++) {
      await page.keyboard.press('Tab')
      const focus = await page.evaluate(() => {
        const element = document.activeElement as HTMLElement
        const style = getComputedStyle(element)
        return {
          inNav: element.closest('nav[aria-label="Main"]') !== null && element.tagName === 'A',
          text: element.textContent ?? '',
          indicated: (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none',
        }
      })
      if (!focus.inNav) continue
      assert.ok(focus.indicated, `the focused link ${focus.text} shows no outline or shadow`)
      reached.push(focus.text)
    }
    for (const link of ['Projects', 'Deployments', 'Proxy', 'Settings'])
      assert.ok(reached.includes(link), `Tab reached ${link}: ${reached.join(', ')}`)
  })

  it('closes a confirm dialog with Escape and gives the focus back', async () => {
    await page.goto(`${base}/projects/${projectId}/domains`)
    await settled(page, 'shop')
    const opener = page.getByRole('button', { name: 'Delete shop.example.com' })
    await opener.focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Delete shop.example.com?' })
    await dialog.waitFor()
    assert.ok(
      await dialog.evaluate((element) => element.contains(document.activeElement)),
      'the focus moves into the dialog',
    )
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    assert.ok(
      await opener.evaluate((element) => element === document.activeElement),
      'the focus is back on the button that opened it',
    )
  })
})

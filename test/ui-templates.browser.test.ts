import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
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
import { removeProject, requireDocker } from './support/docker.js'
import { ADMIN_PASSWORD, type TestApp } from './support/harness.js'
import { COOLIFY_TEMPLATE, demoTemplateDir } from './support/template-fixtures.js'

// From the template gallery to a running service in a real Chromium against a real Berth and
// Docker engine: search the gallery, fill the form generated from the parameters, see the one-time
// secrets, follow the deployment to its end.
const skip = browserSkipReason()
const EMAIL = 'templates@example.com'

describe('web UI in Chromium: the template gallery', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let page: Page
  let base: string
  const templates = demoTemplateDir()
  const composeProjects: string[] = []

  before(async () => {
    const ui = await startUiServer({ BERTH_TEMPLATE_DIRS: templates })
    t = ui.t
    base = ui.base
    await t.app.users.create({ email: EMAIL, password: ADMIN_PASSWORD, admin: true, teamName: 'Default' }, SYSTEM_ACTOR)
    browser = await launchChromium()
    page = await desktopPage(browser)
  })
  after(async () => {
    await browser?.close()
    await t?.close()
    for (const p of composeProjects) await removeProject(p)
    rmSync(templates, { recursive: true, force: true })
  })

  it('searches the gallery, deploys a template from its form and shows the running service', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    await signIn(page, base, EMAIL, {
      until: page
        .getByRole('heading', { name: 'Dashboard', level: 1 })
        .or(page.getByRole('heading', { name: 'Projects', level: 1 })),
    })
    await page.goto(`${base}/projects`)
    await page.getByLabel('Project name').fill('from-templates')
    await page.getByRole('button', { name: 'Create project' }).click()
    await page.getByRole('heading', { name: 'from-templates', level: 1 }).waitFor()

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Templates', exact: true }).click()
    const gallery = page.getByRole('list', { name: 'Templates' })
    await gallery.getByRole('link', { name: 'WordPress' }).waitFor()
    assert.ok((await gallery.getByRole('listitem').count()) >= 40)
    await page.getByLabel('Category').selectOption('cms')
    await gallery.getByRole('link', { name: 'Ghost' }).waitFor()
    assert.equal(await gallery.getByRole('link', { name: 'Uptime Kuma' }).count(), 0, 'the category filters')
    await page.getByLabel('Category').selectOption('')
    await page.getByLabel('Search templates').fill('busybox')
    await page.screenshot({ path: screenshotPath('templates-01-gallery'), fullPage: true })
    assert.equal(await gallery.getByRole('listitem').count(), 1)
    await gallery.getByRole('link', { name: 'Berth test demo' }).click()

    const form = page.getByRole('form', { name: 'Deploy Berth test demo' })
    await form.getByLabel('Service name').fill('demo-page')
    await form.getByLabel(/^title/).fill('Made in the gallery')
    await form.getByRole('button', { name: 'Create Berth test demo' }).click()
    await page.getByText('Generated secrets').waitFor()
    assert.match(await page.getByTestId('secret-APP_SECRET').innerText(), /•/)
    await page.getByRole('button', { name: 'Reveal APP_SECRET' }).click()
    assert.match(await page.getByTestId('secret-APP_SECRET').innerText(), /^[A-Za-z0-9]{24}$/)
    await page.screenshot({ path: screenshotPath('templates-02-created'), fullPage: true })

    const href = await page.getByRole('link', { name: 'demo-page' }).getAttribute('href')
    const serviceId = href?.split('/')[2] ?? ''
    composeProjects.push(composeProjectName(serviceId))
    await page.getByRole('link', { name: 'Follow its deployment' }).click()
    await page.locator('h1 .badge.status[data-status="finished"]').waitFor({ timeout: 120_000 })
    await page.goto(`${base}/services/${serviceId}`)
    await page.locator('.service-status .badge.runtime-running').waitFor({ timeout: 30_000 })
    await page.getByText('From template Berth test demo 1.0.0').waitFor()

    // A Coolify template pasted into the import form: the report first, then the service.
    await page.goto(`${base}/templates/import`)
    const form2 = page.getByRole('form', { name: 'Import a template' })
    await form2.getByLabel('Service name').fill('imported-page')
    await form2.getByRole('textbox', { name: 'Compose file' }).fill(COOLIFY_TEMPLATE)
    await form2.getByRole('button', { name: 'Preview the conversion' }).click()
    const report = page.getByRole('region', { name: 'Conversion report' })
    await report.getByText('Converted: SERVICE_PASSWORD_ADMIN -> a generated password secret').waitFor()
    await form2.getByRole('button', { name: 'Import and create imported-page' }).click()
    await page.getByText('Generated secrets').waitFor()
    await page.getByRole('link', { name: 'imported-page' }).waitFor()
    await page.screenshot({ path: screenshotPath('templates-04-imported'), fullPage: true })
    await page.screenshot({ path: screenshotPath('templates-03-running'), fullPage: true })
  })
})

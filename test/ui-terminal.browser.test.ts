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
import { TEST_IMAGE, docker, removeProject, requireDocker, waitFor } from './support/docker.js'
import { ADMIN_PASSWORD, type TestApp } from './support/harness.js'

// The web terminal in a real Chromium (xterm.js over the API's WebSocket into a real container), and
// the Logs tab following the same container's output over the engine's live stream.
const skip = browserSkipReason()
const EMAIL = 'terminal@example.com'
const COMPOSE = `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n`

describe('the web terminal, live container logs and project settings', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let page: Page
  let base: string
  let serviceId = ''

  before(async () => {
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    await t.app.users.create({ email: EMAIL, password: ADMIN_PASSWORD, admin: true, teamName: 'Default' }, SYSTEM_ACTOR)
    browser = await launchChromium()
    page = await desktopPage(browser, 20_000)
    await signIn(page, base, EMAIL, { until: page.getByRole('navigation', { name: 'Main' }) })
  })

  after(async () => {
    await browser?.close()
    await t?.close()
    if (serviceId) await removeProject(composeProjectName(serviceId))
  })

  it('opens a shell in the running container, runs a command typed into it, and audits the session', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const token = await t.token(['root'], 'Default')
    const project = (await t.call(token, 'POST', '/api/v1/projects', { name: 'term' })).body.uuid
    serviceId = await createService(t, token, project, 'shell', COMPOSE)
    await waitForFinished(t, token, await deploy(t, token, serviceId))

    await page.goto(`${base}/services/${serviceId}`)
    await page.getByRole('navigation', { name: 'Service sections' }).getByRole('link', { name: 'Terminal' }).click()
    await page
      .getByRole('status')
      .filter({ hasText: /^Connected to / })
      .waitFor()
    const terminal = page.getByRole('group', { name: /^Terminal in / })
    // The screen as a screen reader gets it (xterm's accessibility tree, which the page turns on).
    // xterm refreshes it on an animation frame, which headless Chromium may not draw until asked:
    // a screenshot of the terminal draws one.
    const screenText = async () => {
      await terminal.screenshot()
      return terminal.locator('.xterm-accessibility-tree').evaluate((el) => el.textContent ?? '')
    }
    await waitFor('the prompt', async () => /#\s/.test(await screenText()), 20_000)
    await terminal.click()
    await page.keyboard.type('echo hello-$RANDOM\n')
    // The typed line echoes "hello-$RANDOM"; only the shell's answer has digits after the dash.
    await waitFor('the answer', async () => /hello-\d+/.test(await screenText()), 20_000)
    await page.screenshot({ path: screenshotPath('65-terminal'), fullPage: true })

    // Leaving the page ends the session; both ends are in the audit log, the keystrokes are not.
    await page.goto(`${base}/audit`)
    const audit = await waitFor('the closing audit row', async () => {
      const items = (await t.call(token, 'GET', '/api/v1/audit?limit=20')).body.items as { action: string }[]
      return items.some((a) => a.action === 'terminal.closed') ? items : undefined
    })
    assert.ok(audit.some((a) => a.action === 'terminal.opened'))
    assert.doesNotMatch(JSON.stringify(audit), /RANDOM/)
    await page.locator('.audit-item').filter({ hasText: 'terminal.opened' }).first().waitFor()
  })

  it("follows the container's output live from the engine's stream, without re-reading the tail", async (ctx) => {
    if (!(await requireDocker(ctx)) || !serviceId) return
    await page.goto(`${base}/services/${serviceId}/logs`)
    const output = page.getByRole('article', { name: /^Output of / })
    await output.getByText('No output.').waitFor()
    const tailReads: string[] = []
    page.on('request', (r) => {
      if (/\/logs\?/.test(r.url())) tailReads.push(r.url())
    })
    const token = await t.token(['read'], 'Default')
    const status = (await t.call(token, 'GET', `/api/v1/services/${serviceId}/status`)).body
    const line = `followed-${Date.now()}`
    await docker(['exec', status.containers[0].id, 'sh', '-c', `echo ${line} > /proc/1/fd/1`])
    await output.getByText(line).waitFor({ timeout: 10_000 })
    assert.deepEqual(tailReads, [], 'the new line came over the stream, not a new read of the tail')
  })

  it('renames a project and deletes it only after its name is typed, from its Settings tab', async () => {
    const token = await t.token(['root'], 'Default')
    const project = (await t.call(token, 'POST', '/api/v1/projects', { name: 'old-name' })).body.uuid
    await page.goto(`${base}/projects/${project}`)
    await page.getByRole('navigation', { name: 'Project sections' }).getByRole('link', { name: 'Settings' }).click()
    await page.getByLabel('Name', { exact: true }).fill('new-name')
    await page.getByLabel('Description').fill('Renamed from its settings')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('heading', { name: 'new-name', level: 1 }).waitFor()
    assert.equal(
      (await t.call(token, 'GET', `/api/v1/projects/${project}`)).body.description,
      'Renamed from its settings',
    )

    const remove = page.getByRole('button', { name: 'Delete project' })
    assert.equal(await remove.isDisabled(), true, 'nothing typed yet')
    const confirm = page.getByLabel(/^Type the project's name/)
    await confirm.fill('new-nam')
    assert.equal(await remove.isDisabled(), true, 'a near miss does not unlock it')
    await confirm.fill('new-name')
    await remove.click()
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
    assert.equal((await t.call(token, 'GET', `/api/v1/projects/${project}`)).status, 404)
  })
})

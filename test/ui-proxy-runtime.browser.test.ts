// The proxy page shows the proxy container Berth runs: running while it serves Berth's files, and
// a warning once someone stops the container by hand; Start brings it back. A real Chromium
// against a real Berth and a real Traefik (the host's binary mounted into the busybox test image).
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
import { TEST_IMAGE, docker, freePort, removeProject, requireDocker, waitFor } from './support/docker.js'
import { ADMIN_PASSWORD, type TestApp } from './support/harness.js'
import { traefikBinary } from './support/traefik.js'

const skip = browserSkipReason()
const EMAIL = 'proxy-admin@example.com'

describe('web UI in Chromium: the proxy container', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let page: Page
  let base: string
  let serverId: string
  let proxyId: string | undefined

  before(async () => {
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    await t.app.users.create(
      { email: EMAIL, password: ADMIN_PASSWORD, admin: true, instanceAdmin: true, teamName: 'Default' },
      SYSTEM_ACTOR,
    )
    browser = await launchChromium()
    page = await desktopPage(browser, 20_000)
  })

  after(async () => {
    if (proxyId) await removeProject(composeProjectName(proxyId))
    await browser?.close()
    await t?.close()
  })

  it('shows the proxy running, then down after a docker stop, and starts it again', { timeout: 240_000 }, async (c) => {
    if (!(await requireDocker(c))) return
    const root = await t.token(['root', 'instance'])
    const [web, websecure] = [await freePort(), await freePort()]
    await t.call(root, 'PUT', '/api/v1/settings', { entry_points: { web: `:${web}`, websecure: `:${websecure}` } })
    t.app.proxySync.start(t.app.events)
    serverId = (await t.call(root, 'GET', '/api/v1/servers')).body.servers.find((s: any) => s.default).uuid
    const started = await t.call(root, 'PUT', `/api/v1/servers/${serverId}/proxy`, {
      image: TEST_IMAGE,
      binary_path: traefikBinary(),
    })
    assert.equal(started.status, 202, JSON.stringify(started.body))
    proxyId = started.body.proxy.proxy_uuid

    await signIn(page, `${base}/proxy`, EMAIL, { until: page.getByRole('heading', { name: 'Proxy containers' }) })
    const state = page.getByTestId(`proxy-state-${serverId}`)
    await waitFor('the page showing the proxy running', async () => (await state.textContent()) === 'running', 90_000)
    await page.getByText(/Traefik has loaded all \d+ routers of Berth's files/).waitFor()

    // The health gate has passed (the deployment ended), so the stop below is someone else's doing.
    const status = await waitFor(
      'the proxy deployment to finish',
      async () => {
        const s = (await t.call(root, 'GET', `/api/v1/servers/${serverId}/proxy`)).body
        return s.deployments[0]?.status === 'finished' ? s : undefined
      },
      90_000,
    )
    const container = status.container.id
    await docker(['stop', '--time', '1', container])
    await waitFor('the page showing the proxy down', async () => (await state.textContent()) === 'down', 20_000)
    await page.getByRole('alert').filter({ hasText: 'is not running' }).waitFor()
    await page.screenshot({ path: screenshotPath('proxy-container-down'), fullPage: true })

    await page.getByRole('button', { name: 'Start the proxy of localhost', exact: true }).click()
    await page.getByText('Start of the traefik proxy of localhost queued.').waitFor()
    await waitFor(
      'the page showing the proxy running again',
      async () => (await state.textContent()) === 'running',
      90_000,
    )
  })
})

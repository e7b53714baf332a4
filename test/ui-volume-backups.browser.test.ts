import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { browserSkipReason, desktopPage, launchChromium, signIn, startUiServer } from './support/browser.js'
import { execIn, VOLUME_COMPOSE } from './support/db-backups.js'
import { removeProject, requireDocker, TEST_IMAGE } from './support/docker.js'
import { waitForDeployed } from './support/deploy-helpers.js'
import { ADMIN_PASSWORD, type TestApp } from './support/harness.js'

// A plain compose service's Backups tab in a real Chromium against a real Berth and a real Docker
// engine: it lists the service's named volume, a job is added and run, its log read, and the backup
// restored over the changed volume after typing the volume's name.
const skip = browserSkipReason()
const OWNER = 'volumes-owner@example.com'

describe('web UI in Chromium: volume backups on the service page', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let base: string
  let page: Page
  let serviceId: string
  let dir: string

  before(async () => {
    dir = mkdtempSync('/tmp/berth-test-ui-volumes-')
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    const owner = await t.app.users.create(
      { email: OWNER, password: ADMIN_PASSWORD, admin: true, teamName: 'Alpha' },
      SYSTEM_ACTOR,
    )
    const actor = { ...SYSTEM_ACTOR, teamId: owner.teamId }
    const project = await t.app.projects.create(owner.teamId, { name: 'site' }, actor)
    serviceId = (
      await t.app.services.create(owner.teamId, project.id, { name: 'uploads', compose: VOLUME_COMPOSE }, actor)
    ).id
    await t.app.backupDestinations.create(
      owner.teamId,
      { kind: 'directory', name: 'local', directory: { path: dir, helper_image: TEST_IMAGE } },
      actor,
    )
    await t.app.deployments.queue(owner.teamId, [serviceId], { trigger: 'api' }, actor)
    browser = await launchChromium()
    page = await desktopPage(browser, 20_000)
  })
  after(async () => {
    await browser?.close()
    await t?.close()
    if (serviceId) await removeProject(composeProjectName(serviceId))
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists the named volume, backs it up with a job, shows the log, downloads it and restores it after the typed confirmation', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const container = `${composeProjectName(serviceId)}-app-1`
    const file = () => execIn(container, {}, ['cat', '/data/note.txt']).then((o) => o.trim())
    await waitForDeployed(t, serviceId, 60_000)
    await execIn(container, {}, ['sh', '-c', 'echo before > /data/note.txt'])
    await signIn(page, `${base}/services/${serviceId}`, OWNER, {
      until: page.getByRole('heading', { name: /uploads/ }),
    })
    await page.getByRole('navigation', { name: 'Service sections' }).getByRole('link', { name: 'Backups' }).click()
    await page.getByRole('list', { name: 'Named volumes' }).getByText('data', { exact: true }).waitFor()
    await page.getByText('No backup job: no volume of this service is backed up.').waitFor()
    await page.getByLabel('Schedule').fill('')
    await page.getByLabel('Helper image').fill(TEST_IMAGE)
    await page.getByRole('button', { name: 'Add job' }).click()
    await page.getByRole('button', { name: 'Back up now data to local' }).click()
    const runs = page.getByRole('table', { name: 'Backup runs' })
    await runs.getByRole('cell', { name: 'succeeded', exact: true }).waitFor({ timeout: 30_000 })
    const row = runs.getByRole('row').filter({ hasText: 'succeeded' })
    assert.match(await row.innerText(), /data[\s\S]*\d+ bytes/)
    await row.getByRole('button', { name: /^Log / }).click()
    await page.getByRole('region', { name: 'Run log' }).getByText('Backup succeeded').waitFor()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('button', { name: /^Download / }).click(),
    ])
    assert.match(download.suggestedFilename(), /\.tar$/)

    await execIn(container, {}, ['sh', '-c', 'echo after > /data/note.txt'])
    await row.getByRole('button', { name: /^Restore / }).click()
    const dialog = page.getByRole('dialog', { name: 'Restore backup' })
    const confirm = dialog.getByRole('button', { name: 'Restore' })
    await dialog.getByLabel("Type the volume's name to confirm").fill('uploads')
    assert.equal(await confirm.isDisabled(), true, "the service's name is not the volume's")
    await dialog.getByLabel("Type the volume's name to confirm").fill('data')
    await confirm.click()
    await runs
      .getByRole('row')
      .filter({ hasText: /restore/ })
      .getByRole('cell', { name: 'succeeded', exact: true })
      .waitFor({ timeout: 30_000 })
    assert.equal(await file(), 'before')
  })
})

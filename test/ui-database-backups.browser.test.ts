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
import { REDIS_IMAGE, removeProject, requireDocker } from './support/docker.js'
import { waitForDeployed } from './support/deploy-helpers.js'
import { ADMIN_PASSWORD, type TestApp } from './support/harness.js'
import { S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, startS3 } from './support/s3.js'

// Database backups in a real Chromium against a real Berth, a real s3rver and a real Redis: an
// owner adds an S3 destination under Team and checks it, then on the database's Backups tab adds
// a job, backs up now and sees the verified run, its log, its download and a restore into a new database.
const skip = browserSkipReason()
const OWNER = 'owner@example.com'

describe('web UI in Chromium: database backups', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let base: string
  let page: Page
  let s3: Awaited<ReturnType<typeof startS3>>
  let databaseId: string
  const copies: string[] = []
  let teamId: string

  before(async () => {
    s3 = await startS3()
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    const owner = await t.app.users.create(
      { email: OWNER, password: ADMIN_PASSWORD, admin: true, teamName: 'Alpha' },
      SYSTEM_ACTOR,
    )
    teamId = owner.teamId
    const actor = { ...SYSTEM_ACTOR, teamId: owner.teamId }
    const project = await t.app.projects.create(owner.teamId, { name: 'shop' }, actor)
    databaseId = (
      await t.app.databases.create(
        owner.teamId,
        project.id,
        { type: 'redis', name: 'cache', image: REDIS_IMAGE },
        actor,
      )
    ).uuid
    await t.app.deployments.queue(owner.teamId, [databaseId], { trigger: 'api' }, actor)
    browser = await launchChromium()
    page = await desktopPage(browser, 20_000)
  })
  after(async () => {
    await browser?.close()
    await t?.close()
    await s3?.close()
    for (const id of [databaseId, ...copies]) if (id) await removeProject(composeProjectName(id))
  })

  it('adds and checks an S3 destination, backs the database up from its Backups tab, reads the run log, downloads it and restores it into a new database', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    await signIn(page, `${base}/projects`, OWNER)
    await page.goto(`${base}/team`)
    await page.getByRole('link', { name: 'Backup destinations' }).click()
    await page.getByText('No destinations yet').waitFor()
    await page.getByLabel('Destination name').fill('offsite')
    await page.getByLabel('Endpoint').fill(s3.endpoint)
    await page.getByLabel('Bucket').fill(S3_BUCKET)
    await page.getByLabel('Access key').fill(S3_ACCESS_KEY)
    await page.getByLabel('Secret key').fill(S3_SECRET_KEY)
    await page.getByRole('button', { name: 'Add destination' }).click()
    const table = page.getByRole('table', { name: 'Backup destinations' })
    await table.getByRole('cell', { name: 'offsite', exact: true }).waitFor()
    await page.getByRole('button', { name: 'Check offsite' }).click()
    await page.getByText('offsite: write, read back and delete all worked').waitFor()
    assert.ok(!(await page.content()).includes(S3_SECRET_KEY), 'the page never shows the secret key')

    // The database was deployed in before(); wait until it is healthy before backing it up.
    await waitForDeployed(t, databaseId)
    // An old link to the database under /services/ leads to its own page.
    await page.goto(`${base}/services/${databaseId}`)
    await page.waitForURL(`${base}/databases/${databaseId}`)
    await page.getByRole('navigation', { name: 'Database sections' }).getByRole('link', { name: 'Backups' }).click()
    await page.getByText('No backup job').waitFor()
    await page.getByLabel('Schedule').fill('')
    await page.getByRole('button', { name: 'Add job' }).click()
    await page.getByRole('button', { name: 'Back up now offsite' }).click()
    const runs = page.getByRole('table', { name: 'Backup runs' })
    await runs.getByRole('cell', { name: 'succeeded', exact: true }).waitFor({ timeout: 60_000 })
    const row = runs.getByRole('row').filter({ hasText: 'succeeded' })
    assert.match(await row.innerText(), /\d+ bytes[\s\S]*yes/)
    await page.screenshot({ path: screenshotPath('database-backups-01-run'), fullPage: true })

    // Its log (the live stream, ended), and a download link for an owner (read:sensitive).
    await row.getByRole('button', { name: /^Log / }).click()
    const log = page.getByRole('region', { name: 'Run log' })
    await log.getByText('Backup succeeded').waitFor()
    await log.getByRole('heading', { name: /\(succeeded\)$/ }).waitFor()
    const download = row.getByRole('button', { name: /^Download / })
    const runId = (await t.app.backupRuns.list(teamId, databaseId))[0]!.id
    assert.equal(await download.getAttribute('href'), `/api/v1/backup-runs/${runId}/download`)
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()])
    assert.match(file.suggestedFilename(), /\.rdb$/)

    // Into a new database: Berth creates and deploys it, restores, and shows the new database's runs.
    await row.getByRole('button', { name: /^Restore into a new database / }).click()
    await page.getByLabel("New database's name").fill('cache-copy')
    await page.getByRole('button', { name: 'Create and restore' }).click()
    // The restore is followed in place (its log), and the new database's page opens once it succeeded.
    // Exact: the log's "Created database cache-copy ..." line may be there too by the time it is looked for.
    await page
      .getByRole('region', { name: 'Restore into a new database' })
      .getByText('cache-copy', { exact: true })
      .waitFor()
    await page.waitForURL(
      (url) => /\/databases\/[0-9a-f-]{36}\/backups$/.test(url.pathname) && !url.pathname.includes(databaseId),
      { timeout: 90_000 },
    )
    const copyId = /databases\/([0-9a-f-]{36})/.exec(page.url())![1]!
    copies.push(copyId)
    assert.notEqual(copyId, databaseId)
    await page
      .getByRole('table', { name: 'Backup runs' })
      .getByRole('cell', { name: 'succeeded', exact: true })
      .waitFor({ timeout: 90_000 })
    await page.getByRole('heading', { name: 'cache-copy' }).waitFor()
  })
})

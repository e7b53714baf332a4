import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import {
  browserSkipReason,
  desktopPage,
  launchChromium,
  screenshotPath,
  signIn,
  startUiServer,
} from './support/browser.js'
import { setGitBuild } from '../src/deployments/deployments.repo.js'
import { waitForEnd } from './support/deploy-helpers.js'
import { ADMIN_PASSWORD, type TestApp } from './support/harness.js'

// Issue 18 in a real Chromium: a service's Git tab saves a source with a generated deploy key,
// shows the public half and the webhook URL, and hands out a webhook secret that the webhook accepts;
// the team's registry logins page saves a login whose password is never shown again.
const skip = browserSkipReason()
const EMAIL = 'git-ui@example.com'

describe("web UI in Chromium: a service's Git tab", { skip }, () => {
  let t: TestApp
  let browser: Browser
  let base: string
  let serviceId: string

  before(async () => {
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    await t.app.users.create({ email: EMAIL, password: ADMIN_PASSWORD, admin: true, teamName: 'Default' }, SYSTEM_ACTOR)
    const setup = await t.token(['root'])
    const project = (await t.call(setup, 'POST', '/api/v1/projects', { name: 'shop' })).body.uuid
    serviceId = (
      await t.call(setup, 'POST', `/api/v1/projects/${project}/services`, {
        name: 'storefront',
        compose: 'services:\n  app:\n    image: berth-test/busybox:1\n',
      })
    ).body.uuid
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await t?.close()
  })

  it('saves a source with a deploy key to copy, and a webhook secret the webhook accepts', async () => {
    const page = await desktopPage(browser)
    try {
      await signIn(page, `${base}/services/${serviceId}/git`, EMAIL, {
        until: page.getByRole('heading', { name: 'Git source' }),
      })
      await page.getByLabel('Repository URL').fill('git@git.example.com:shop/storefront.git')
      await page.getByLabel('Credentials').selectOption('ssh')
      await page.getByRole('textbox', { name: /^Build arguments/ }).fill('NODE_ENV=production\nGREETING=a=b')
      await page.getByRole('textbox', { name: /^Build secrets/ }).fill('NPM_TOKEN=ui-npm-secret-8812')
      await page.getByLabel('Preview domain').fill('preview.example.com')
      await page.getByLabel('Preview port').fill('8080')
      await page.getByLabel(/Previews of requests from forks get/).check()
      await page.getByRole('button', { name: 'Save Git source' }).click()
      const key = await page.getByLabel('Deploy key', { exact: true }).inputValue()
      assert.match(key, /^ssh-ed25519 [A-Za-z0-9+/=]+ berth-/)
      const stored = await t.app.db.selectFrom('git_sources').selectAll().executeTakeFirstOrThrow()
      assert.match(stored.deploy_key_private!, /^enc:v1:/, 'the private half is stored encrypted')
      assert.deepEqual(
        [stored.preview_domain, stored.preview_port, stored.preview_fork_secrets],
        ['preview.example.com', 8080, 1],
      )
      assert.deepEqual(JSON.parse(stored.build_args), { NODE_ENV: 'production', GREETING: 'a=b' })
      assert.match(stored.build_secrets!, /^enc:v1:/, 'the build secrets are stored encrypted')
      await page.getByPlaceholder(/Set: NPM_TOKEN/).waitFor()
      assert.equal(
        await page.getByRole('textbox', { name: /^Build secrets/ }).inputValue(),
        '',
        'the secret value is not shown again',
      )
      assert.ok(!(await page.content()).includes('ui-npm-secret-8812'), 'the secret is not in the page')
      assert.equal(await page.getByLabel('Webhook URL').innerText(), `${base}/api/v1/webhooks/git/${serviceId}`)
      await page.getByRole('button', { name: 'New webhook secret' }).click()
      const secret = await page.getByLabel('Webhook secret').innerText()
      await page.getByRole('button', { name: 'Create a deploy token' }).click()
      const token = await page.getByLabel('Deploy token').innerText()
      const deployUrl = await page.getByLabel('Deploy URL').innerText()
      assert.equal(deployUrl, `${base}/api/v1/webhooks/git/${serviceId}/deploy`)
      await page.screenshot({ path: screenshotPath('git-01-source'), fullPage: true })
      // The token the page showed is the one the deploy URL takes (a wrong one is 401).
      const wrong = await fetch(deployUrl, { method: 'POST', headers: { 'x-berth-deploy-token': 'bdt_wrong' } })
      assert.equal(wrong.status, 401)
      const right = await fetch(deployUrl, { method: 'POST', headers: { 'x-berth-deploy-token': token } })
      assert.equal(right.status, 202)
      const queued = (await right.json()) as { deployment_uuid: string }

      // Deployments list a build with its branch, commit, message and author (the repository here is
      // unreachable, so the worker's record of a build is written as it would be).
      await waitForEnd(t, await t.token(['root']), queued.deployment_uuid)
      await setGitBuild(t.app.db, queued.deployment_uuid, {
        commit: 'c0ffee1234567890c0ffee1234567890c0ffee12',
        message: 'Fix the cart',
        author: 'Ada Tester <ada@example.com>',
        image: null,
      })
      await page.goto(`${base}/services/${serviceId}/deployments`)
      const row = page.getByRole('row', { name: /c0ffee1/ })
      await row.waitFor()
      assert.match(await row.innerText(), /main c0ffee1 Fix the cart · Ada Tester/)

      // The secret the page showed is the one the webhook checks (a push to another branch queues nothing).
      const body = JSON.stringify({ ref: 'refs/heads/elsewhere', after: 'f'.repeat(40) })
      const res = await fetch(`${base}/api/v1/webhooks/git/${serviceId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        },
        body,
      })
      assert.equal(res.status, 202)
      assert.equal(((await res.json()) as { queued: boolean }).queued, false)
    } finally {
      await page.close()
    }
  })

  it('saves a team registry login and shows it without its password', async () => {
    const page = await desktopPage(browser)
    const password = 'ui-registry-password-4471'
    try {
      await signIn(page, `${base}/team/registries`, EMAIL, { until: page.getByRole('heading', { name: 'Registries' }) })
      await page.getByLabel('Registry', { exact: true }).fill('registry.example.com:5000')
      await page.getByLabel('Username').fill('shop-ci')
      await page.getByLabel('Password or token').fill(password)
      await page.getByRole('button', { name: 'Save login' }).click()
      const row = page.getByRole('row', { name: /registry\.example\.com:5000/ })
      await row.waitFor()
      assert.match(await row.innerText(), /shop-ci/)
      assert.equal(await page.getByLabel('Password or token').inputValue(), '', 'the field is emptied')
      assert.ok(!(await page.content()).includes(password), 'the password is not in the page')
      await page.screenshot({ path: screenshotPath('git-02-registries'), fullPage: true })
    } finally {
      await page.close()
    }
  })
})

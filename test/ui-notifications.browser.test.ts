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
import { waitFor } from './support/docker.js'
import { ADMIN_PASSWORD, type TestApp } from './support/harness.js'
import { startReceiver } from './support/notify-receiver.js'

// The Notifications page in a real Chromium against a real Berth and a real receiver: an owner adds
// a Slack-compatible channel, sends a test that arrives, watches it in the delivery log, removes it.
const skip = browserSkipReason()
const OWNER = 'owner@example.com'

describe('web UI in Chromium: notification channels', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let base: string
  let page: Page
  let receiver: Awaited<ReturnType<typeof startReceiver>>

  before(async () => {
    receiver = await startReceiver()
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    await t.app.users.create({ email: OWNER, password: ADMIN_PASSWORD, admin: true, teamName: 'Alpha' }, SYSTEM_ACTOR)
    browser = await launchChromium()
    page = await desktopPage(browser)
  })
  after(async () => {
    await browser?.close()
    await t?.close()
    await receiver?.close()
  })

  it('adds a channel, sends a test that arrives and shows in the delivery log, then removes the channel', async () => {
    await signIn(page, `${base}/projects`, OWNER)
    await page.goto(`${base}/team`)
    await page.getByRole('link', { name: 'Notifications' }).click()
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor()
    await page.getByText('No channels yet').waitFor()

    await page.getByLabel('Channel name').fill('ops-chat')
    await page.getByLabel('Type').selectOption('slack')
    await page.getByLabel('Webhook URL').fill(receiver.url('/services/T000/B000/ui-TOKEN-123'))
    await page.getByRole('button', { name: 'Add channel' }).click()
    const channels = page.getByRole('table', { name: 'Notification channels' })
    await channels.getByRole('cell', { name: 'ops-chat', exact: true }).waitFor()
    assert.ok(!(await page.content()).includes('ui-TOKEN-123'), 'the page never shows the URL token')

    await page.getByRole('button', { name: 'Send test ops-chat' }).click()
    await page.getByText('Test message to ops-chat queued').waitFor()
    const [got] = await waitFor('the test message at the receiver', async () => {
      const r = receiver.to('/services/T000/B000/ui-TOKEN-123')
      return r.length > 0 && r
    })
    assert.match(got!.body.text, /^Test notification for channel ops-chat/)
    const log = page.getByRole('table', { name: 'Delivery log' })
    await log.getByRole('cell', { name: 'delivered', exact: true }).waitFor()
    await log.getByRole('cell', { name: 'HTTP 200', exact: true }).waitFor()
    await page.screenshot({ path: screenshotPath('notifications-01-delivered'), fullPage: true })

    await page.getByRole('button', { name: 'Remove ops-chat' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click()
    await page.getByText('No channels yet').waitFor()
    await page.getByText('Nothing sent yet.').waitFor()
  })

  it('adds a Telegram channel with its own fields, changes its chat without retyping the token', async () => {
    const token = '4242:AAE-ui-bot-TOKEN-0123456789abcdef'
    await page.getByLabel('Channel name').fill('tg')
    await page.getByLabel('Type').selectOption('telegram')
    await page.getByLabel('Bot token').fill(token)
    await page.getByLabel('Chat id').fill('-100200')
    // The fake Telegram Bot API is the test's receiver (the real one is unreachable from tests).
    await page.getByLabel('Bot API server').fill(receiver.url('/tgapi'))
    await page.getByRole('button', { name: 'Add channel' }).click()
    const channels = page.getByRole('table', { name: 'Notification channels' })
    await channels.getByRole('cell', { name: 'chat -100200' }).waitFor()

    await page.getByRole('button', { name: 'Change tg' }).click()
    const form = page.getByRole('form', { name: 'Change channel tg' })
    await form.getByLabel('Chat id').fill('-100300')
    await form.getByRole('button', { name: 'Save channel' }).click()
    await channels.getByRole('cell', { name: 'chat -100300' }).waitFor()
    assert.ok(!(await page.content()).includes('ui-bot-TOKEN'), 'the page never shows the bot token')

    await page.getByRole('button', { name: 'Send test tg' }).click()
    const [got] = await waitFor('the Telegram message', async () => {
      const r = receiver.to(`/tgapi/bot${token}/sendMessage`)
      return r.length > 0 && r
    })
    assert.equal(got!.body.chat_id, '-100300', 'the token was kept and the chat changed')
    await page.screenshot({ path: screenshotPath('notifications-02-telegram'), fullPage: true })
  })
})

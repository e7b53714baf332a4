import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { waitFor } from './support/docker.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { startReceiver } from './support/notify-receiver.js'
import { startSmtpReceiver } from './support/smtp-receiver.js'
import { issueTestCertificate } from './support/test-certs.js'

const CHANNELS = '/api/v1/notifications/channels'
const BOT_TOKEN = '123456789:AAF-bot-token-SECRET-0123456789abc'

describe('Telegram, ntfy, Gotify and e-mail channels', () => {
  let t: TestApp
  let owner: string
  // A fake Telegram Bot API, ntfy and Gotify server in one (the public services are unreachable
  // from tests): a real HTTP server recording each request by path.
  let fakeApis: Awaited<ReturnType<typeof startReceiver>>
  let certDir: string
  let certs: ReturnType<typeof issueTestCertificate>

  before(async () => {
    fakeApis = await startReceiver()
    certDir = mkdtempSync(join(tmpdir(), 'berth-smtp-certs-'))
    certs = issueTestCertificate(certDir, { name: 'smtp', altNames: ['IP:127.0.0.1', 'DNS:localhost'], days: 2 })
    t = await startTestApp({ BERTH_PUBLIC_URL: 'https://berth.example.com' })
    owner = await t.token(['root'])
  })
  after(async () => {
    await t.close()
    await fakeApis.close()
    rmSync(certDir, { recursive: true, force: true })
  })

  async function create(body: Record<string, unknown>) {
    const res = await t.call(owner, 'POST', CHANNELS, body)
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body
  }

  async function testAndWait(channelId: string) {
    assert.equal((await t.call(owner, 'POST', `${CHANNELS}/${channelId}/test`)).status, 202)
    return waitFor(
      'the test message to be delivered or given up',
      async () => {
        const page = (await t.call(owner, 'GET', '/api/v1/notifications/deliveries?take=50')).body
        const row = page.deliveries.find((d: any) => d.channel_id === channelId)
        return row && row.attempts >= 1 && row
      },
      20_000,
    )
  }

  it('sends to the Telegram Bot API with the bot token in the path and never shows the token', async () => {
    const ch = await create({
      name: 'tg',
      type: 'telegram',
      bot_token: BOT_TOKEN,
      chat_id: '-1001234567',
      api_url: fakeApis.url('/tg'),
    })
    assert.equal(ch.has_secret, true)
    assert.deepEqual(ch.settings, { chat_id: '-1001234567', api_url: fakeApis.url('/tg') })
    assert.ok(!JSON.stringify(ch).includes('SECRET'), 'the bot token is never answered')
    const row = await testAndWait(ch.id)
    assert.equal(row.status, 'delivered', JSON.stringify(row))
    const [got] = fakeApis.to(`/tg/bot${BOT_TOKEN}/sendMessage`)
    assert.equal(got!.body.chat_id, '-1001234567')
    assert.match(got!.body.text, /^Test notification for channel tg/)

    const bad = await t.call(owner, 'POST', CHANNELS, {
      name: 'tg2',
      type: 'telegram',
      bot_token: 'nope',
      chat_id: '1',
    })
    assert.equal(bad.status, 400)
    const foreign = await t.call(owner, 'PATCH', `${CHANNELS}/${ch.id}`, { host: 'smtp.example.com' })
    assert.equal(foreign.status, 400, 'a setting of another channel type is refused')
    assert.equal(foreign.body.error.code, 'invalid_settings')
  })

  it('publishes to ntfy as JSON with title, priority and click link, and the access token as bearer', async () => {
    const ch = await create({
      name: 'ntfy',
      type: 'ntfy',
      url: fakeApis.url('/ntfy/berth-alerts-x7'),
      token: 'tk_ntfy_SECRET',
    })
    assert.equal(ch.url, `${new URL(fakeApis.url('/')).origin}/…`, 'the topic is masked')
    const row = await testAndWait(ch.id)
    assert.equal(row.status, 'delivered', JSON.stringify(row))
    const [got] = fakeApis.to('/ntfy/')
    assert.equal(got!.body.topic, 'berth-alerts-x7')
    assert.equal(got!.body.title, 'Test notification for channel ntfy')
    assert.equal(got!.body.click, 'https://berth.example.com/team/notifications')
    assert.equal(got!.headers.authorization, 'Bearer tk_ntfy_SECRET')
  })

  it('posts to Gotify /message with the application token header', async () => {
    const ch = await create({ name: 'gotify', type: 'gotify', url: fakeApis.url('/gotify'), token: 'AppTokenSECRET' })
    const row = await testAndWait(ch.id)
    assert.equal(row.status, 'delivered', JSON.stringify(row))
    const [got] = fakeApis.to('/gotify/message')
    assert.equal(got!.headers['x-gotify-key'], 'AppTokenSECRET')
    assert.equal(got!.body.title, 'Test notification for channel gotify')
    assert.equal(got!.body.extras['client::notification'].click.url, 'https://berth.example.com/team/notifications')
  })

  /** A fresh SMTP receiver logging `user` in with `password`, closed once `use` is done. */
  async function withSmtp(
    login: { user: string; password: string; implicitTls?: boolean },
    use: (smtp: Awaited<ReturnType<typeof startSmtpReceiver>>) => Promise<void>,
  ) {
    const smtp = await startSmtpReceiver({ implicitTls: true, cert: certs.cert, key: certs.key, ...login })
    try {
      await use(smtp)
    } finally {
      await smtp.close()
    }
  }

  /** An e-mail channel to the local receiver; `extra` adds or overrides settings (login, CA, recipients). */
  const emailChannel = (name: string, port: number, extra: Record<string, unknown> = {}) =>
    create({
      name,
      type: 'email',
      host: '127.0.0.1',
      port,
      security: 'tls',
      from: 'berth@example.com',
      to: ['ops@example.com'],
      ...extra,
    })

  for (const security of ['starttls', 'tls'] as const) {
    it(`sends an e-mail with a text and an HTML part over ${security === 'tls' ? 'implicit TLS' : 'STARTTLS'} with auth`, async () => {
      await withSmtp({ user: 'berth', password: 'smtp-pass-SECRET', implicitTls: security === 'tls' }, async (smtp) => {
        const ch = await emailChannel(`mail-${security}`, smtp.port, {
          security,
          username: 'berth',
          password: 'smtp-pass-SECRET',
          to: ['ops@example.com', 'oncall@example.com'],
          ca: readFileSync(certs.ca, 'utf8'),
        })
        assert.equal(ch.url, null)
        assert.equal(ch.settings.host, '127.0.0.1')
        assert.ok(!JSON.stringify(ch).includes('smtp-pass-SECRET'))
        const row = await testAndWait(ch.id)
        assert.equal(row.status, 'delivered', JSON.stringify(row))
        assert.equal(row.last_status_code, 250, 'the delivery log keeps the SMTP reply code')
        const [mail] = smtp.mails
        assert.equal(mail!.secure, true, 'the message travelled over TLS')
        assert.equal(mail!.user, 'berth', 'the client authenticated')
        assert.deepEqual(mail!.to, ['ops@example.com', 'oncall@example.com'])
        assert.match(mail!.raw, new RegExp(`^Subject: \\[Berth\\] Test notification for channel mail-${security}`, 'm'))
        assert.match(mail!.raw, /Content-Type: text\/plain/)
        assert.match(mail!.raw, /Content-Type: text\/html/)
      })
    })
  }

  it('records a refused SMTP password without the password', async () => {
    await withSmtp({ user: 'berth', password: 'the-right-one' }, async (smtp) => {
      const ch = await emailChannel('mail-badpass', smtp.port, {
        username: 'berth',
        password: 'wrong-pass-SECRET',
        ca: readFileSync(certs.ca, 'utf8'),
      })
      const row = await testAndWait(ch.id)
      assert.equal(row.status, 'pending', 'a refused login is retried')
      assert.equal(row.last_status_code, 535)
      assert.match(row.last_error, /Invalid login|535/)
      assert.ok(!JSON.stringify(row).includes('wrong-pass-SECRET'))
      assert.equal(smtp.mails.length, 0)
    })
  })

  it('refuses a server certificate no trusted CA signed', async () => {
    await withSmtp({ user: 'u', password: 'p' }, async (smtp) => {
      const ch = await emailChannel('mail-untrusted', smtp.port)
      const row = await testAndWait(ch.id)
      assert.equal(row.status, 'pending')
      assert.match(row.last_error, /certificate/i)
      assert.equal(smtp.mails.length, 0)
    })
  })
})

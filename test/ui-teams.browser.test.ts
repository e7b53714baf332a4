import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { browserSkipReason, DESKTOP, launchChromium, screenshotPath, startUiServer } from './support/browser.js'
import { ADMIN_PASSWORD, SAMPLE_COMPOSE, type TestApp } from './support/harness.js'

// Issue 10 in a real Chromium against a real Berth: an owner invites by a one-time link, the
// invitee accepts it in a second browser context (a new user, no session) and sees only the
// team's projects; a user in two teams switches between them; a viewer sees no write buttons and
// the API refuses their writes; instance administration stays hidden from everyone else.
const skip = browserSkipReason()
const OWNER = 'owner@example.com'
const MEMBER = 'new-member@example.com'
const VIEWER = 'viewer@example.com'
const MEMBER_PASSWORD = 'member-password-1'
const VIEWER_PASSWORD = 'viewer-password-1'

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('E-mail').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
}

/** The project names the projects page lists, once it has loaded them. */
async function projectNames(page: Page): Promise<string[]> {
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0)
  return page.locator('.card h2').allInnerTexts()
}

describe('web UI in Chromium: teams, members and roles', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let base: string
  let owner: Page
  const contexts: BrowserContext[] = []
  let alphaProject: string
  let alphaService: string

  /** A fresh browser context: its own cookies, like another person's browser. */
  async function freshPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: DESKTOP })
    contexts.push(context)
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    return page
  }

  /** Creates an invitation on the Team page and returns the full link it shows once. */
  async function invite(page: Page, role: string): Promise<string> {
    await page.goto(`${base}/team`)
    await page.getByRole('heading', { name: 'Invite someone' }).waitFor()
    await page.getByLabel('Role', { exact: true }).selectOption(role)
    await page.getByRole('button', { name: 'Create invitation link' }).click()
    const link = page.getByTestId('one-time-link')
    await link.waitFor()
    return link.innerText()
  }

  /** Accepts an invitation link in a new browser context, as a new user; returns that page, signed in. */
  async function accept(link: string, email: string, password: string, name: string): Promise<Page> {
    const page = await freshPage()
    await page.goto(link)
    await page.getByLabel('E-mail').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByLabel(/^Name/).fill(name)
    await page.getByRole('button', { name: /^Join / }).click()
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
    return page
  }

  before(async () => {
    const ui = await startUiServer()
    t = ui.t
    base = ui.base
    // The first admin of an empty Berth is an instance administrator and owns team Alpha.
    await t.app.users.create({ email: OWNER, password: ADMIN_PASSWORD, admin: true, teamName: 'Alpha' }, SYSTEM_ACTOR)
    const alpha = await t.token(['root'], 'Alpha')
    const beta = await t.token(['root'], 'Beta')
    alphaProject = (await t.call(alpha, 'POST', '/api/v1/projects', { name: 'alpha-shop' })).body.uuid
    const service = await t.call(alpha, 'POST', `/api/v1/projects/${alphaProject}/services`, {
      name: 'web',
      compose: SAMPLE_COMPOSE,
    })
    assert.equal(service.status, 201, JSON.stringify(service.body))
    alphaService = service.body.uuid
    assert.equal((await t.call(beta, 'POST', '/api/v1/projects', { name: 'beta-blog' })).status, 201)
    // The owner joins Beta too, as an existing user accepting a link over the API.
    const link = await t.call(beta, 'POST', '/api/v1/team/invitations', { role: 'admin' })
    assert.equal(link.status, 201, JSON.stringify(link.body))
    const joined = await t.call(undefined, 'POST', `/api/v1/invitations/${link.body.token}/accept`, {
      email: OWNER,
      password: ADMIN_PASSWORD,
    })
    assert.equal(joined.status, 200, JSON.stringify(joined.body))

    browser = await launchChromium()
    owner = await freshPage()
  })

  after(async () => {
    for (const context of contexts) await context.close()
    await browser?.close()
    await t?.close()
  })

  it('invites a member by a link shown once, as a full address with a copy button', async () => {
    await owner.goto(`${base}/projects`)
    await signIn(owner, OWNER, ADMIN_PASSWORD)
    assert.deepEqual(await projectNames(owner), ['alpha-shop'])
    const link = await invite(owner, 'member')
    assert.match(link, new RegExp(`^${base}/invite/\\S{10,}$`))
    await owner.getByRole('button', { name: 'Copy link' }).waitFor()
    await owner
      .getByRole('table', { name: 'Pending invitations' })
      .getByRole('cell', { name: 'member', exact: true })
      .waitFor()
    await owner.screenshot({ path: screenshotPath('teams-01-invitation-link'), fullPage: true })
    await owner.getByRole('button', { name: 'Done' }).click()
    assert.equal(await owner.getByTestId('one-time-link').count(), 0, 'the link is gone once dismissed')

    // A second browser, with no session: the public page shows the team and the role.
    const member = await freshPage()
    const response = await member.goto(link)
    assert.equal(response?.status(), 200, 'the server answers the invitation path with the web UI')
    await member.getByText(/invited to Alpha as member/).waitFor()
    await member.screenshot({ path: screenshotPath('teams-02-accept-invitation'), fullPage: true })
    await member.getByLabel('E-mail').fill(MEMBER)
    await member.getByLabel('Password').fill(MEMBER_PASSWORD)
    await member.getByLabel(/^Name/).fill('New Member')
    await member.getByRole('button', { name: 'Join Alpha' }).click()
    await member.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()
    assert.equal(new URL(member.url()).pathname, '/projects')
    assert.deepEqual(await projectNames(member), ['alpha-shop'], "only the team's projects")
    assert.equal(await member.getByLabel('Current team').count(), 0, 'no switcher with one team')
    await member.screenshot({ path: screenshotPath('teams-03-member-projects'), fullPage: true })

    // The link worked once.
    const again = await freshPage()
    await again.goto(link)
    await again
      .getByRole('alert')
      .filter({ hasText: /unknown, already used or expired/ })
      .waitFor()

    await owner.reload()
    const members = owner.getByRole('table', { name: 'Members' })
    await members.getByRole('cell', { name: new RegExp(`^${MEMBER}`) }).waitFor()
    assert.equal(await owner.getByRole('table', { name: 'Pending invitations' }).count(), 0)
    await owner.getByText('No pending invitations.').waitFor()
  })

  it("changes a member's role on the Team page", async () => {
    const role = owner.getByLabel(`Role of ${MEMBER}`)
    await role.selectOption('admin')
    await owner.waitForFunction(
      () => !(document.querySelector('select[aria-label^="Role of new-member"]') as HTMLSelectElement).disabled,
    )
    const stored = (await t.app.teams.members(await teamIdOf('Alpha'))).find((m) => m.email === MEMBER)
    assert.equal(stored?.role, 'admin')
    await role.selectOption('member')
    await owner.screenshot({ path: screenshotPath('teams-04-team-page'), fullPage: true })
  })

  it('switches teams from the header and shows the other team’s projects', async () => {
    await owner.goto(`${base}/projects/${alphaProject}`)
    await owner.getByRole('heading', { name: 'alpha-shop', level: 1 }).waitFor()
    const switcher = owner.getByLabel('Current team')
    assert.equal(await switcher.locator('option:checked').innerText(), 'Alpha (owner)')
    await switcher.selectOption({ label: 'Beta (admin)' })
    // A page of one of Alpha's projects would be a 404 in Beta: the switch goes to the list.
    await owner.waitForURL(`${base}/projects`)
    await owner.locator('.card h2', { hasText: 'beta-blog' }).waitFor()
    assert.deepEqual(await projectNames(owner), ['beta-blog'])
    await owner.screenshot({ path: screenshotPath('teams-05-switched-team'), fullPage: true })
    // The session carries the team: a reload stays in Beta.
    await owner.reload()
    assert.deepEqual(await projectNames(owner), ['beta-blog'])
    await owner.getByLabel('Current team').selectOption({ label: 'Alpha (owner)' })
    await owner.locator('.card h2', { hasText: 'alpha-shop' }).waitFor()
    assert.deepEqual(await projectNames(owner), ['alpha-shop'])
  })

  it('shows a viewer no write buttons, and the API refuses their writes', async () => {
    const viewer = await accept(await invite(owner, 'viewer'), VIEWER, VIEWER_PASSWORD, 'Vera Viewer')
    assert.deepEqual(await projectNames(viewer), ['alpha-shop'])
    assert.equal(await viewer.getByRole('heading', { name: 'New project' }).count(), 0)
    assert.equal(await viewer.getByRole('button', { name: 'Create project' }).count(), 0)

    await viewer.goto(`${base}/projects/${alphaProject}/domains`)
    await viewer.getByRole('heading', { name: 'alpha-shop', level: 1 }).waitFor()
    await viewer.getByText('No domains yet.').waitFor()
    for (const name of ['New service', 'New domain', 'New middleware', 'New database'])
      assert.equal(await viewer.getByText(name, { exact: true }).count(), 0, `no ${name}`)

    await viewer.goto(`${base}/services/${alphaService}`)
    await viewer.getByRole('textbox', { name: 'Compose file', exact: true }).waitFor()
    assert.equal(await viewer.getByRole('button', { name: 'Save new version' }).count(), 0)
    assert.equal(
      await viewer.getByRole('textbox', { name: 'Compose file', exact: true }).getAttribute('contenteditable'),
      'false',
      'the editor is read-only',
    )
    for (const name of ['Deploy', 'Restart', 'Stop'])
      assert.ok(await viewer.getByRole('button', { name, exact: true }).isDisabled(), `${name} is disabled`)
    await viewer.screenshot({ path: screenshotPath('teams-06-viewer-service'), fullPage: true })

    await viewer.goto(`${base}/services/${alphaService}/env`)
    await viewer.getByRole('heading', { name: 'Environment variables' }).waitFor()
    assert.equal(await viewer.getByRole('button', { name: 'Save variable' }).count(), 0)

    await viewer.goto(`${base}/team`)
    await viewer.getByRole('table', { name: 'Members' }).waitFor()
    assert.equal(await viewer.locator('select[aria-label^="Role of"]').count(), 0, 'roles are read-only')
    assert.equal(await viewer.getByRole('button', { name: /^Remove / }).count(), 0)
    assert.equal(await viewer.getByRole('button', { name: 'Create invitation link' }).count(), 0)
    await viewer.screenshot({ path: screenshotPath('teams-07-viewer-team'), fullPage: true })

    // The buttons are hidden, and the API refuses the writes anyway (the same session cookie).
    const writes: [string, string, unknown][] = [
      ['POST', '/api/v1/projects', { name: 'sneaky' }],
      ['PUT', `/api/v1/services/${alphaService}/compose`, { yaml: SAMPLE_COMPOSE, base_version: 1 }],
      ['POST', '/api/v1/deploy', { service: alphaService }],
      ['POST', '/api/v1/team/invitations', { role: 'owner' }],
    ]
    for (const [method, url, data] of writes) {
      const res = await viewer.request.fetch(`${base}${url}`, { method, data })
      assert.equal(res.status(), 403, `${method} ${url}: ${await res.text()}`)
    }
    const names = (await t.app.projects.list(await teamIdOf('Alpha'))).map((p: { name: string }) => p.name)
    assert.deepEqual(names, ['alpha-shop'])
  })

  it('hides instance administration from a user who is not an instance administrator', async () => {
    const member = await freshPage()
    await member.goto(`${base}/projects`)
    await signIn(member, MEMBER, MEMBER_PASSWORD)
    const nav = member.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'Team' }).waitFor()
    assert.equal(await nav.getByRole('link', { name: 'Admin' }).count(), 0)
    await member.goto(`${base}/admin/users`)
    await member.getByText('Only instance administrators manage users and teams.').waitFor()
    assert.equal(await member.getByRole('table', { name: 'Users' }).count(), 0)
    assert.equal((await member.request.get(`${base}/api/v1/users`)).status(), 403)
  })

  it('lets an instance administrator list users, make a reset link and create a team', async () => {
    await owner.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click()
    const users = owner.getByRole('table', { name: 'Users' })
    await users.getByRole('cell', { name: new RegExp(`^${MEMBER}`) }).waitFor()
    await owner.getByRole('button', { name: `Reset link ${MEMBER}` }).click()
    const link = await owner.getByTestId('one-time-link').innerText()
    assert.match(link, new RegExp(`^${base}/reset-password/\\S{10,}$`))
    await owner.screenshot({ path: screenshotPath('teams-08-admin-users'), fullPage: true })

    const member = await freshPage()
    await member.goto(link)
    await member.getByText(`For ${MEMBER}.`, { exact: false }).waitFor()
    await member.getByLabel('New password', { exact: true }).fill('a-brand-new-password')
    await member.getByLabel('Repeat the new password').fill('a-brand-new-password')
    await member.getByRole('button', { name: 'Set password' }).click()
    await member.getByRole('status').filter({ hasText: 'Your password is set' }).waitFor()
    await member.getByRole('button', { name: 'Sign in' }).click()
    await signIn(member, MEMBER, 'a-brand-new-password')

    await owner.getByRole('link', { name: 'Teams', exact: true }).click()
    await owner.getByLabel('Team name').fill('Gamma')
    await owner.getByRole('button', { name: 'Create team' }).click()
    await owner.getByRole('table', { name: 'Teams' }).getByRole('cell', { name: 'Gamma' }).waitFor()
    await owner
      .getByLabel('Current team')
      .locator('option', { hasText: 'Gamma (owner)' })
      .waitFor({ state: 'attached' })
    await owner.screenshot({ path: screenshotPath('teams-09-admin-teams'), fullPage: true })
  })

  it('changes the own password on the Account page', async () => {
    await owner.getByRole('link', { name: OWNER }).click()
    await owner.getByLabel('Current password').fill('not-my-password')
    await owner.getByLabel('New password', { exact: true }).fill('owner-new-password')
    await owner.getByLabel('Repeat the new password').fill('owner-new-password')
    await owner.getByRole('button', { name: 'Change password' }).click()
    await owner.locator('.field-error').filter({ hasText: 'The current password is wrong.' }).waitFor()
    await owner.getByLabel('Current password').fill(ADMIN_PASSWORD)
    await owner.getByRole('button', { name: 'Change password' }).click()
    await owner.getByRole('status').filter({ hasText: 'Password changed' }).waitFor()
    await owner.screenshot({ path: screenshotPath('teams-10-account'), fullPage: true })
    // This session stays signed in.
    await owner.goto(`${base}/projects`)
    assert.deepEqual(await projectNames(owner), ['alpha-shop'])
  })

  it('fits the Team page and the team menu on a phone in the dark scheme', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
      storageState: await owner.context().storageState(),
    })
    try {
      await phone.goto(`${base}/team`)
      await phone.getByRole('table', { name: 'Members' }).waitFor()
      await phone.getByLabel('Current team').waitFor()
      await phone.screenshot({ path: screenshotPath('teams-11-phone-dark-team'), fullPage: true })
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      assert.ok(overflow <= 1, `no sideways scrolling at 390 px (overflow ${overflow}px)`)
    } finally {
      await phone.close()
    }
  })

  async function teamIdOf(name: string): Promise<string> {
    const teams = await t.app.teams.listAll()
    const team = teams.find((x) => x.name === name)
    assert.ok(team, `team ${name} exists`)
    return team.uuid
  }
})

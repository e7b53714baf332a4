import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import { REPO_ROOT } from './cli.js'
import { TEST_DIALECT } from './dialect.js'
import { ADMIN_PASSWORD, startTestApp, type TestApp } from './harness.js'

export const CHROMIUM_PATH = process.env.BERTH_CHROMIUM_PATH ?? '/usr/bin/chromium'
export const SCREENSHOT_DIR = join(REPO_ROOT, 'artifacts', 'screenshots')

// Without the background-networking flags Chromium keeps dialling Google's hosts, which a closed network refuses.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * Why the browser tests cannot run here, or undefined when they can. They run on SQLite only (the
 * UI does not care which database is behind the API). In CI a missing Chromium is a failure,
 * never a quiet skip.
 */
export function browserSkipReason(): string | undefined {
  if (TEST_DIALECT === 'postgres') return 'browser tests run in the SQLite pass only'
  if (existsSync(CHROMIUM_PATH)) return undefined
  const reason = `Chromium is not installed at ${CHROMIUM_PATH} (run scripts/setup-test-host.sh)`
  if (process.env.CI === 'true') throw new Error(`${reason}; CI must run the browser tests`)
  return reason
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS })
}

/** The desktop size every browser test and its screenshots use (phone-width checks set their own). */
export const DESKTOP = { width: 1280, height: 900 }

/** A new page (in its own context: no session) at desktop size, whose steps wait up to timeoutMs. */
export async function desktopPage(browser: Browser, timeoutMs = 15_000): Promise<Page> {
  const page = await browser.newPage({ viewport: DESKTOP })
  page.setDefaultTimeout(timeoutMs)
  return page
}

/**
 * Opens url, which shows the sign-in form to a browser without a session, signs in and waits for
 * `until` (what url shows once signed in; the projects page's heading unless told).
 */
export async function signIn(
  page: Page,
  url: string,
  email: string,
  { until }: { until?: Locator } = {},
): Promise<void> {
  await page.goto(url)
  await page.getByLabel('E-mail').fill(email)
  await page.getByLabel('Password').fill(ADMIN_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await (until ?? page.getByRole('heading', { name: 'Projects', level: 1 })).waitFor()
}

/** The newest change below dir: a file written or a directory's entries changed. */
function newestChange(dir: string): number {
  let newest = statSync(dir).mtimeMs
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestChange(path) : statSync(path).mtimeMs)
  }
  return newest
}

/**
 * Builds the web UI into dist/web, so the test always drives the current source (about 2 s). Every
 * browser test file calls it; a build newer than every source (and the lock file) is current, so
 * only the first of a run builds.
 */
export function buildWebUi(): void {
  const built = join(REPO_ROOT, 'dist', 'web', 'index.html')
  const sources = Math.max(newestChange(join(REPO_ROOT, 'web')), statSync(join(REPO_ROOT, 'package-lock.json')).mtimeMs)
  if (existsSync(built) && statSync(built).mtimeMs > sources) return
  const run = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'web/vite.config.ts',
      '--logLevel',
      'error',
    ],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    },
  )
  if (run.status !== 0) throw new Error(`vite build failed: ${run.stderr}${run.stdout}`)
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  return join(SCREENSHOT_DIR, `${name}.png`)
}

/** Builds the current UI and starts a real Berth on a free loopback port: what each browser test drives. */
export async function startUiServer(env: Record<string, string> = {}): Promise<{ t: TestApp; base: string }> {
  buildWebUi()
  const t = await startTestApp(env)
  await t.server.listen({ host: '127.0.0.1', port: 0 })
  return { t, base: `http://127.0.0.1:${(t.server.server.address() as AddressInfo).port}` }
}

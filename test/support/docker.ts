import { spawnSync } from 'node:child_process'
import type { TestContext } from 'node:test'

let composeProbe: string | undefined | null = null

/** Why the Docker Compose v2 CLI cannot be used here, or undefined when it can. */
function composeUnavailable(): string | undefined {
  if (composeProbe === null) {
    const run = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 20_000 })
    composeProbe = run.status === 0 ? undefined : `docker compose is not usable: ${(run.stderr || run.error?.message || '').trim()}`
  }
  return composeProbe
}

/**
 * Skips a test that needs the Compose CLI when it is missing, except in CI, where a missing
 * tool must fail the run instead of silently shrinking it.
 */
export function requireComposeCli(t: TestContext): boolean {
  const reason = composeUnavailable()
  if (!reason) return true
  if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}; run scripts/setup-test-host.sh`)
  t.skip(reason)
  return false
}

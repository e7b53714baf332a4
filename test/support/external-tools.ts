import { execFileSync } from 'node:child_process'
import type { TestContext } from 'node:test'

/** Why a tool is unusable here, or null when it works. */
export function unavailable(command: string, args: string[]): string | null {
  try {
    execFileSync(command, args, { stdio: 'pipe', timeout: 20_000 })
    return null
  } catch (error) {
    return `\`${command} ${args.join(' ')}\` failed: ${(error as Error).message.split('\n')[0]}`
  }
}

/**
 * Tests that need real tools: in CI (CI=true) a missing tool is a failure, since
 * scripts/setup-test-host.sh must have installed it; elsewhere the test is skipped with the reason.
 */
export function requireTools(t: TestContext, checks: [string, string[]][]): boolean {
  const reasons = checks.map(([c, a]) => unavailable(c, a)).filter((r): r is string => r !== null)
  if (reasons.length === 0) return true
  const message = `needs ${checks.map(([c]) => c).join(' and ')} (run scripts/setup-test-host.sh): ${reasons.join('; ')}`
  if (process.env.CI === 'true') throw new Error(message)
  t.skip(message)
  return false
}

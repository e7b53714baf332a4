/**
 * Counts failed logins per client address and per e-mail in a sliding window, in memory: a
 * restart forgets them, which is acceptable because the window is short.
 */
export function createLoginLimiter(options: { maxFailures: number; windowMs: number; now?: () => number }) {
  const failures = new Map<string, number[]>()
  const now = options.now ?? Date.now

  function recent(key: string): number[] {
    const cutoff = now() - options.windowMs
    const times = (failures.get(key) ?? []).filter((t) => t > cutoff)
    if (times.length === 0) failures.delete(key)
    else failures.set(key, times)
    return times
  }

  /** Seconds until the caller may try again, or 0 when not limited. */
  function retryAfterSeconds(keys: string[]): number {
    let wait = 0
    for (const key of keys) {
      const times = recent(key)
      if (times.length >= options.maxFailures) {
        wait = Math.max(wait, Math.ceil((times[0]! + options.windowMs - now()) / 1000))
      }
    }
    return wait
  }

  function recordFailure(keys: string[]): void {
    for (const key of keys) failures.set(key, [...recent(key), now()])
  }

  function reset(keys: string[]): void {
    for (const key of keys) failures.delete(key)
  }

  return { retryAfterSeconds, recordFailure, reset }
}

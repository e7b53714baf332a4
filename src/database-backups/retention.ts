/** How many backups of a job to keep: the newest N, and/or those younger than N days. */
export type RetentionPolicy = { keep_last: number | null; keep_days: number | null }

/**
 * The backups to delete, given the job's kept backups newest first. A backup stays when any rule
 * keeps it; with no rule at all, everything stays. The newest backup always stays, so retention
 * can never leave a job without a backup.
 */
export function backupsToPrune<T extends { created_at: string }>(kept: T[], policy: RetentionPolicy, now: Date): T[] {
  if (policy.keep_last === null && policy.keep_days === null) return []
  const cutoff = policy.keep_days === null ? null : now.getTime() - policy.keep_days * 86_400_000
  return kept.filter((run, index) => {
    if (index === 0) return false
    const byCount = policy.keep_last !== null && index < policy.keep_last
    const byAge = cutoff !== null && Date.parse(run.created_at) >= cutoff
    return !byCount && !byAge
  })
}

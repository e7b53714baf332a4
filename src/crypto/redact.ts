export const REDACTED = '[redacted]'

/**
 * Replaces every occurrence of the given secret values in a text. Longest first, so a secret that
 * contains another is removed whole; very short values are skipped because they would blank out
 * ordinary words (and are not worth hiding).
 */
export function createRedactor(secrets: Iterable<string>): (text: string) => string {
  const values = [...new Set([...secrets].filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length)
  if (values.length === 0) return (text) => text
  const pattern = new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
  return (text) => text.replace(pattern, REDACTED)
}

import { generateToken, hashToken } from '../crypto/tokens.js'
import { nowIso } from '../db/time.js'
import { NotFoundError } from '../errors.js'

/** A secret for a link shown once (invitation, password reset): only its hash is stored. */
export function newLinkSecret(prefix: string, validHours: number) {
  const token = generateToken(prefix)
  return { token, hash: hashToken(token), expiresAt: new Date(Date.now() + validHours * 3600_000).toISOString() }
}

/**
 * A link row that can still be used, or one 404 for every other case (unknown, used, revoked,
 * expired), so a guess learns nothing about which links exist.
 */
export function usableLink<T extends { expires_at: string }>(
  row: T | undefined,
  spent: (row: T) => boolean,
  what: string,
): T {
  if (!row || spent(row) || row.expires_at <= nowIso())
    throw new NotFoundError(`This ${what} link is unknown, already used or expired.`)
  return row
}

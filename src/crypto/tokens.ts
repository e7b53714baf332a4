import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../shared/hash.js'

/** A bearer secret with 256 bits of entropy; "prefix" makes leaked tokens easy to grep for. */
export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`
}

// Tokens are random, not chosen by people, so a fast hash is enough and keeps every request cheap.
export function hashToken(token: string): string {
  return sha256Hex(token)
}

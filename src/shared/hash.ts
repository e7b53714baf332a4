import { createHash } from 'node:crypto'

/** The sha256 of a text as lowercase hex: checksums of compose files and generated proxy files, token hashes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

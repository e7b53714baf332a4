import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensurePrivateDir } from '../db/connection.js'

export const APP_KEY_FILE = 'app.key'

function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim().replace(/^base64:/, '')
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64')
  if (key.length !== 32) {
    throw new Error(
      `${source} must hold a 32-byte key, as 64 hex characters or base64 (e.g. from "openssl rand -base64 32")`,
    )
  }
  return key
}

/**
 * The key that encrypts secrets at rest: BERTH_APP_KEY when set, else a key generated once into
 * the data dir (0600). Losing it makes stored secrets unreadable, which is why backups must keep it.
 */
export function loadAppKey(dataDir: string, fromEnv: string | undefined): Buffer {
  if (fromEnv !== undefined) return decodeKey(fromEnv, 'BERTH_APP_KEY')
  const path = join(dataDir, APP_KEY_FILE)
  if (existsSync(path)) return decodeKey(readFileSync(path, 'utf8'), path)
  ensurePrivateDir(dataDir)
  const key = randomBytes(32)
  // 'wx' fails if another process created the file first; then read theirs so both share one key.
  try {
    writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
    return key
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return decodeKey(readFileSync(path, 'utf8'), path)
    throw error
  }
}

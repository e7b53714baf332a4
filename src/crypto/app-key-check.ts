import type { Kysely } from 'kysely'
import { ConfigError } from '../config.js'
import type { DB } from '../db/schema.js'
import { insertSettingIfAbsent } from '../settings/settings.repo.js'
import type { SecretCipher } from './cipher.js'

const CHECK_KEY = 'app_key_check'
const CHECK_TEXT = 'berth app key check'

/**
 * Refuses to start with another app key than the one this database's secrets were written with
 * (a second data dir on a shared PostgreSQL database, a restored backup without its key): else
 * every secret would fail later, one deployment at a time. The first start stores a value
 * encrypted with its key; later starts must be able to decrypt it.
 */
export async function verifyAppKey(db: Kysely<DB>, cipher: SecretCipher, keySource: string): Promise<void> {
  const stored = await insertSettingIfAbsent(db, CHECK_KEY, JSON.stringify(cipher.encrypt(CHECK_TEXT)))
  let decrypted: string | undefined
  try {
    decrypted = cipher.decrypt(JSON.parse(stored) as string)
  } catch {
    // Handled below: the only thing a user can act on is which key to use.
  }
  if (decrypted !== CHECK_TEXT) {
    throw new ConfigError([
      `${keySource} is not the app key this database's secrets were encrypted with. Use the original key: set BERTH_APP_KEY to it, or copy app.key from the data dir that first used this database.`,
    ])
  }
}

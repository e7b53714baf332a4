import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { nowIso } from '../db/time.js'

/** Stores a setting only if it has no value yet; returns the value stored now (the existing one wins). */
export async function insertSettingIfAbsent(db: Kysely<DB>, key: string, value: string): Promise<string> {
  await db
    .insertInto('instance_settings')
    .values({ key, value, updated_at: nowIso() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute()
  const row = await db.selectFrom('instance_settings').select('value').where('key', '=', key).executeTakeFirstOrThrow()
  return row.value
}

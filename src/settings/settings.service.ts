import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB } from '../db/schema.js'
import { nowIso } from '../db/time.js'
import type { EventBus } from '../events/event-bus.js'
import { UnprocessableError } from '../errors.js'
import { DEFAULT_SETTINGS, settingsSchema, SETTING_KEYS, type Settings, type SettingsPatch } from './settings.types.js'

/** Reads the instance settings (defaults filled in); works inside a transaction too. */
export async function readSettings(db: Kysely<DB>): Promise<Settings> {
  const rows = await db.selectFrom('instance_settings').select(['key', 'value']).execute()
  const stored = Object.fromEntries(
    rows.filter((r) => (SETTING_KEYS as string[]).includes(r.key)).map((r) => [r.key, JSON.parse(r.value) as unknown]),
  )
  const parsed = settingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...stored })
  // Rows are only written after validation, so a failure here means the database was edited by hand.
  if (!parsed.success)
    throw new Error(
      `Stored instance settings are invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    )
  return parsed.data
}

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  events: Pick<EventBus, 'publish'>
  /** Renders the routing with the new settings inside the transaction and throws 422 if it would be invalid. */
  checkRouting: (trx: Kysely<DB>, settings: Settings) => Promise<void>
}

export type SettingsService = ReturnType<typeof createSettingsService>

export function createSettingsService({ db, audit, events, checkRouting }: Deps) {
  async function update(patch: SettingsPatch, actor: Actor): Promise<Settings> {
    const result = await db.transaction().execute(async (trx) => {
      const before = await readSettings(trx)
      const parsed = settingsSchema.safeParse({ ...before, ...patch })
      if (!parsed.success) {
        throw new UnprocessableError(
          'invalid_settings',
          `The settings are not valid: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
          { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
        )
      }
      const after = parsed.data
      const changed = SETTING_KEYS.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
      const now = nowIso()
      for (const key of changed) {
        const value = JSON.stringify(after[key])
        await trx
          .insertInto('instance_settings')
          .values({ key, value, updated_at: now })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
          .execute()
      }
      if (changed.length > 0) await checkRouting(trx, after)
      await audit.record(trx, actor, {
        action: 'settings.updated',
        resourceType: 'settings',
        resourceId: 'instance',
        details: { changed },
        teamId: null,
      })
      return { settings: after, changed }
    })
    if (result.changed.length > 0) events.publish({ type: 'settings.changed', keys: result.changed })
    return result.settings
  }

  return { get: () => readSettings(db), update }
}

import type { App } from './app.js'
import { SYSTEM_ACTOR } from './audit/audit.service.js'

/** On an empty database, creates the first admin from BERTH_ADMIN_EMAIL / BERTH_ADMIN_PASSWORD. */
export async function ensureFirstAdmin(app: Pick<App, 'config' | 'users'>): Promise<'created' | 'exists' | 'missing'> {
  if ((await app.users.countUsers()) > 0) return 'exists'
  if (!app.config.admin) return 'missing'
  await app.users.create({ ...app.config.admin, admin: true }, SYSTEM_ACTOR)
  return 'created'
}

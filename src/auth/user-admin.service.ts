import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import { hashToken } from '../crypto/tokens.js'
import type { DB } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js'
import { newLinkSecret, usableLink } from './one-time-links.js'
import { hashPassword, verifyPassword } from './passwords.js'
import { validPassword } from './users.service.js'

type Deps = { db: Kysely<DB>; audit: Pick<AuditService, 'record'> }

export const PASSWORD_RESET_PATH = '/reset-password/'
const RESET_VALID_HOURS = 24

export type UserAdminService = ReturnType<typeof createUserAdminService>

/** Instance administration of users (list, disable, instance role, reset links) and a user's own password. */
export function createUserAdminService({ db, audit }: Deps) {
  async function instanceAdminCount(trx: Kysely<DB>): Promise<number> {
    const row = await trx
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('instance_admin', '=', 1)
      .where('disabled_at', 'is', null)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** Stores a new password hash (made before the transaction: hashing is slow) and ends the user's other sessions. */
  async function setPasswordHash(trx: Kysely<DB>, userId: string, hash: string, keepSessionId?: string) {
    await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute()
    // A new password ends every session, including one an attacker may hold.
    let ended = trx.deleteFrom('sessions').where('user_id', '=', userId)
    if (keepSessionId) ended = ended.where('id', '!=', keepSessionId)
    await ended.execute()
  }

  return {
    async list() {
      const rows = await db
        .selectFrom('users')
        .select(['id', 'email', 'name', 'instance_admin', 'disabled_at', 'created_at'])
        .orderBy('email')
        .execute()
      return rows.map((r) => ({
        uuid: r.id,
        email: r.email,
        name: r.name,
        instance_admin: r.instance_admin === 1,
        disabled: r.disabled_at !== null,
        created_at: r.created_at,
      }))
    },

    /** Grants or takes the instance role, disables or enables a user; the last active instance administrator stays. */
    async update(userId: string, input: { instance_admin?: boolean; disabled?: boolean }, actor: Actor) {
      return db.transaction().execute(async (trx) => {
        const user = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst()
        if (!user) throw new NotFoundError(`User ${userId} was not found.`)
        const instanceAdmin = input.instance_admin ?? user.instance_admin === 1
        const disabled = input.disabled ?? user.disabled_at !== null
        const losesLastAdmin = user.instance_admin === 1 && user.disabled_at === null && (!instanceAdmin || disabled)
        if (losesLastAdmin && (await instanceAdminCount(trx)) === 1)
          throw new ConflictError('last_instance_admin', 'The last active instance administrator must stay one.')
        await trx
          .updateTable('users')
          .set({
            instance_admin: instanceAdmin ? 1 : 0,
            disabled_at: disabled ? (user.disabled_at ?? nowIso()) : null,
          })
          .where('id', '=', userId)
          .execute()
        // Sessions stop at once; tokens stop because authentication reads disabled_at.
        if (disabled) await trx.deleteFrom('sessions').where('user_id', '=', userId).execute()
        await audit.record(trx, actor, {
          // An instance action: no team, so instance administrators see it in their feed.
          teamId: null,
          action: 'user.updated',
          resourceType: 'user',
          resourceId: userId,
          details: { email: user.email, instance_admin: instanceAdmin, disabled },
        })
        return { uuid: userId, email: user.email, instance_admin: instanceAdmin, disabled }
      })
    },

    /** A one-time link that sets a new password, shown once to the instance administrator who asked. */
    async createPasswordReset(userId: string, creatorId: string, actor: Actor) {
      const secret = newLinkSecret('br', RESET_VALID_HOURS)
      const id = newId()
      await db.transaction().execute(async (trx) => {
        const user = await trx.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst()
        if (!user) throw new NotFoundError(`User ${userId} was not found.`)
        await trx
          .insertInto('password_resets')
          .values({
            id,
            user_id: userId,
            token_hash: secret.hash,
            created_by: creatorId,
            created_at: nowIso(),
            expires_at: secret.expiresAt,
            used_at: null,
          })
          .execute()
        await audit.record(trx, actor, {
          // An instance action: no team, so instance administrators see it in their feed.
          teamId: null,
          action: 'user.password_reset_created',
          resourceType: 'user',
          resourceId: userId,
          details: { email: user.email, expires_at: secret.expiresAt },
        })
      })
      return { token: secret.token, path: `${PASSWORD_RESET_PATH}${secret.token}`, expires_at: secret.expiresAt }
    },

    async describeReset(token: string) {
      const row = await db
        .selectFrom('password_resets')
        .innerJoin('users', 'users.id', 'password_resets.user_id')
        .select(['users.email', 'expires_at', 'used_at'])
        .where('token_hash', '=', hashToken(token))
        .executeTakeFirst()
      const link = usableLink(row, (r) => r.used_at !== null, 'password reset')
      return { email: link.email, expires_at: link.expires_at }
    },

    async resetPassword(token: string, password: string, ip: string | null) {
      const hash = await hashPassword(validPassword(password))
      await db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('password_resets')
          .innerJoin('users', 'users.id', 'password_resets.user_id')
          .select(['password_resets.id', 'user_id', 'users.email', 'expires_at', 'used_at'])
          .where('token_hash', '=', hashToken(token))
          .executeTakeFirst()
        const link = usableLink(row, (r) => r.used_at !== null, 'password reset')
        await trx.updateTable('password_resets').set({ used_at: nowIso() }).where('id', '=', link.id).execute()
        await setPasswordHash(trx, link.user_id, hash)
        const actor: Actor = {
          type: 'user',
          id: link.user_id,
          name: link.email,
          teamId: null,
          via: 'password-reset',
          ip,
        }
        await audit.record(trx, actor, {
          action: 'user.password_reset',
          resourceType: 'user',
          resourceId: link.user_id,
        })
      })
    },

    /** A user changes their own password, proving the current one; their other sessions end. */
    async changeOwnPassword(
      input: { userId: string; current: string; next: string; sessionId?: string },
      actor: Actor,
    ) {
      const { userId } = input
      const user = await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst()
      if (!user || !(await verifyPassword(user.password_hash, input.current)))
        throw new ForbiddenError('wrong_password', 'The current password is wrong.')
      const hash = await hashPassword(validPassword(input.next))
      await db.transaction().execute(async (trx) => {
        await setPasswordHash(trx, userId, hash, input.sessionId)
        await audit.record(trx, actor, { action: 'user.password_changed', resourceType: 'user', resourceId: userId })
      })
    },
  }
}

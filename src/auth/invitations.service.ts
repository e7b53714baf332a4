import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import { hashToken } from '../crypto/tokens.js'
import type { DB, MembershipRole } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import { NotFoundError, UnauthorizedError } from '../errors.js'
import { newLinkSecret, usableLink } from './one-time-links.js'
import { verifyPassword } from './passwords.js'
import type { Principal } from './principal.js'
import { assertMayManageRole, type TeamsService } from './teams.service.js'
import { normalizeEmail, type UsersService } from './users.service.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  users: Pick<UsersService, 'insertUser' | 'findByEmail'>
  teams: Pick<TeamsService, 'addMember'>
}

export const INVITATION_PATH = '/invite/'

export type InvitationsService = ReturnType<typeof createInvitationsService>

/** One-time links into a team: no mail server needed, the link is shown once to whoever made it. */
export function createInvitationsService({ db, audit, users, teams }: Deps) {
  async function pending(dbh: Kysely<DB>, token: string) {
    const row = await dbh
      .selectFrom('invitations')
      .innerJoin('teams', 'teams.id', 'invitations.team_id')
      .select([
        'invitations.id',
        'team_id',
        'teams.name as team_name',
        'role',
        'expires_at',
        'accepted_at',
        'revoked_at',
      ])
      .where('token_hash', '=', hashToken(token))
      .executeTakeFirst()
    return usableLink(row, (r) => r.accepted_at !== null || r.revoked_at !== null, 'invitation')
  }

  return {
    /** Makes an invitation link; the token is in the answer once and stored only as a hash. */
    async create(manager: Principal, input: { role: MembershipRole; validHours: number }, actor: Actor) {
      assertMayManageRole(manager, input.role)
      const secret = newLinkSecret('bi', input.validHours)
      const row = {
        id: newId(),
        team_id: manager.teamId,
        role: input.role,
        token_hash: secret.hash,
        created_by: manager.userId,
        created_at: nowIso(),
        expires_at: secret.expiresAt,
        accepted_at: null,
        accepted_by: null,
        revoked_at: null,
      }
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('invitations').values(row).execute()
        await audit.record(trx, actor, {
          action: 'invitation.created',
          resourceType: 'invitation',
          resourceId: row.id,
          details: { role: row.role, expires_at: row.expires_at },
        })
      })
      return {
        uuid: row.id,
        role: row.role,
        expires_at: row.expires_at,
        token: secret.token,
        path: `${INVITATION_PATH}${secret.token}`,
      }
    },

    /** Invitations of the team not yet accepted, revoked or expired. */
    async listPending(teamId: string) {
      const rows = await db
        .selectFrom('invitations')
        .leftJoin('users', 'users.id', 'invitations.created_by')
        .select([
          'invitations.id',
          'invitations.role',
          'invitations.created_at',
          'invitations.expires_at',
          'users.email',
        ])
        .where('team_id', '=', teamId)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', nowIso())
        .orderBy('invitations.created_at', 'desc')
        .execute()
      return rows.map((r) => ({
        uuid: r.id,
        role: r.role,
        created_at: r.created_at,
        expires_at: r.expires_at,
        created_by: r.email,
      }))
    },

    async revoke(teamId: string, invitationId: string, actor: Actor) {
      await db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('invitations')
          .set({ revoked_at: nowIso() })
          .where('id', '=', invitationId)
          .where('team_id', '=', teamId)
          .where('accepted_at', 'is', null)
          .where('revoked_at', 'is', null)
          .executeTakeFirst()
        if (Number(result.numUpdatedRows) === 0) throw new NotFoundError(`Invitation ${invitationId} was not found.`)
        await audit.record(trx, actor, {
          action: 'invitation.revoked',
          resourceType: 'invitation',
          resourceId: invitationId,
        })
      })
    },

    /** What the link offers, for the page that accepts it. */
    async describe(token: string) {
      const row = await pending(db, token)
      return { team_name: row.team_name, role: row.role, expires_at: row.expires_at }
    },

    /**
     * Accepts an invitation: a new user sets their password here; an existing user proves it is
     * them with theirs. Either way they join the team with the invited role, once.
     */
    async accept(token: string, input: { email: string; password: string; name?: string }, ip: string | null) {
      const existing = await users.findByEmail(input.email)
      if (existing && !(await verifyPassword(existing.password_hash, input.password)))
        throw new UnauthorizedError('This e-mail already has an account, and the password is not its password.')
      return db.transaction().execute(async (trx) => {
        const invitation = await pending(trx, token)
        const user = existing ?? (await users.insertUser(trx, input))
        await teams.addMember(trx, invitation.team_id, user.id, invitation.role)
        const accepted = await trx
          .updateTable('invitations')
          .set({ accepted_at: nowIso(), accepted_by: user.id })
          .where('id', '=', invitation.id)
          .where('accepted_at', 'is', null)
          .executeTakeFirst()
        // Two people racing for one link: the update is the compare-and-set, the loser rolls back.
        if (Number(accepted.numUpdatedRows) === 0) throw new NotFoundError('This invitation link was just used.')
        const actor: Actor = {
          type: 'user',
          id: user.id,
          name: normalizeEmail(input.email),
          teamId: invitation.team_id,
          via: 'invitation',
          ip,
        }
        await audit.record(trx, actor, {
          action: 'invitation.accepted',
          resourceType: 'invitation',
          resourceId: invitation.id,
          details: { role: invitation.role, new_user: !existing },
        })
        return {
          team_uuid: invitation.team_id,
          team_name: invitation.team_name,
          user_uuid: user.id,
          role: invitation.role,
        }
      })
    },
  }
}

import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB, MembershipRole } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js'
import { hasAbility, type Principal } from './principal.js'

type Deps = { db: Kysely<DB>; audit: Pick<AuditService, 'record'> }

export type TeamsService = ReturnType<typeof createTeamsService>

export type MemberView = { user_uuid: string; email: string; name: string; role: MembershipRole; joined_at: string }

/** Who may hand out or take away a role: only owners touch owners; "members" covers the rest. */
export function assertMayManageRole(manager: Pick<Principal, 'abilities'>, role: MembershipRole): void {
  if (role === 'owner' && !hasAbility(manager, 'root'))
    throw new ForbiddenError('owner_required', 'Only a team owner can give, change or take away the owner role.')
}

/** Teams and their members: the team side of "who may do what". Users and sessions are users.service's. */
export function createTeamsService({ db, audit }: Deps) {
  async function membershipOf(dbh: Kysely<DB>, teamId: string, userId: string) {
    return dbh
      .selectFrom('memberships')
      .select(['role', 'created_at'])
      .where('team_id', '=', teamId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
  }

  async function ownerCount(dbh: Kysely<DB>, teamId: string): Promise<number> {
    const row = await dbh
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('team_id', '=', teamId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** Removes a membership and the sessions opened in that team; tokens stop through the membership join. */
  async function dropMembership(trx: Kysely<DB>, teamId: string, userId: string) {
    await trx.deleteFrom('memberships').where('team_id', '=', teamId).where('user_id', '=', userId).execute()
    await trx.deleteFrom('sessions').where('team_id', '=', teamId).where('user_id', '=', userId).execute()
    await trx
      .updateTable('api_tokens')
      .set({ revoked_at: nowIso() })
      .where('team_id', '=', teamId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute()
  }

  /** Adds a user to a team (an accepted invitation); the caller's transaction holds the audit row. */
  async function addMember(trx: Kysely<DB>, teamId: string, userId: string, role: MembershipRole) {
    if (await membershipOf(trx, teamId, userId))
      throw new ConflictError('already_member', 'This user is already a member of the team.')
    await trx
      .insertInto('memberships')
      .values({ team_id: teamId, user_id: userId, role, created_at: nowIso() })
      .execute()
  }

  return {
    addMember,

    /** The teams a user belongs to, with their role in each. */
    async listForUser(userId: string) {
      const rows = await db
        .selectFrom('memberships')
        .innerJoin('teams', 'teams.id', 'memberships.team_id')
        .select(['teams.id', 'teams.name', 'memberships.role', 'teams.created_at'])
        .where('memberships.user_id', '=', userId)
        .orderBy('teams.name')
        .execute()
      return rows.map((r) => ({ uuid: r.id, name: r.name, role: r.role, created_at: r.created_at }))
    },

    /** Every team of the instance, for instance administrators. */
    async listAll() {
      const rows = await db
        .selectFrom('teams')
        .leftJoin('memberships', 'memberships.team_id', 'teams.id')
        .select((eb) => [
          'teams.id',
          'teams.name',
          'teams.created_at',
          eb.fn.count<number>('memberships.user_id').as('members'),
        ])
        .groupBy(['teams.id', 'teams.name', 'teams.created_at'])
        .orderBy('teams.name')
        .execute()
      return rows.map((r) => ({ uuid: r.id, name: r.name, created_at: r.created_at, members: Number(r.members) }))
    },

    /** Creates a team (instance administrators); its creator owns it, so someone can invite into it. */
    async create(creatorId: string, name: string, actor: Actor) {
      const team = { id: newId(), name: name.trim(), created_at: nowIso() }
      if (team.name === '') throw new BadRequestError('invalid_name', 'A team needs a name.')
      await db.transaction().execute(async (trx) => {
        const clash = await trx.selectFrom('teams').select('id').where('name', '=', team.name).executeTakeFirst()
        if (clash) throw new ConflictError('name_taken', `A team named "${team.name}" already exists.`)
        await trx.insertInto('teams').values(team).execute()
        await trx
          .insertInto('memberships')
          .values({ team_id: team.id, user_id: creatorId, role: 'owner', created_at: team.created_at })
          .execute()
        // An instance action: it has no team feed yet, and instance administrators see it.
        await audit.record(trx, actor, {
          action: 'team.created',
          resourceType: 'team',
          resourceId: team.id,
          details: { name: team.name },
          teamId: null,
        })
      })
      return { uuid: team.id, name: team.name, created_at: team.created_at }
    },

    async members(teamId: string): Promise<MemberView[]> {
      const rows = await db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select(['users.id', 'users.email', 'users.name', 'memberships.role', 'memberships.created_at'])
        .where('memberships.team_id', '=', teamId)
        .orderBy('users.email')
        .execute()
      return rows.map((r) => ({ user_uuid: r.id, email: r.email, name: r.name, role: r.role, joined_at: r.created_at }))
    },

    /** Changes a member's role; the last owner keeps theirs. */
    async changeRole(manager: Principal, userId: string, role: MembershipRole, actor: Actor) {
      return db.transaction().execute(async (trx) => {
        const current = await membershipOf(trx, manager.teamId, userId)
        if (!current) throw new NotFoundError(`Member ${userId} was not found in this team.`)
        assertMayManageRole(manager, current.role)
        assertMayManageRole(manager, role)
        if (current.role === 'owner' && role !== 'owner' && (await ownerCount(trx, manager.teamId)) === 1)
          throw new ConflictError('last_owner', 'The last owner of a team cannot give up the owner role.')
        await trx
          .updateTable('memberships')
          .set({ role })
          .where('team_id', '=', manager.teamId)
          .where('user_id', '=', userId)
          .execute()
        await audit.record(trx, actor, {
          action: 'member.role_changed',
          resourceType: 'user',
          resourceId: userId,
          details: { from: current.role, to: role },
        })
        return { user_uuid: userId, role }
      })
    },

    /** Removes a member (or, with the caller's own id, leaves); the last owner cannot go. */
    async removeMember(manager: Principal, userId: string, actor: Actor) {
      const leaving = userId === manager.userId
      await db.transaction().execute(async (trx) => {
        const current = await membershipOf(trx, manager.teamId, userId)
        if (!current) throw new NotFoundError(`Member ${userId} was not found in this team.`)
        if (!leaving) assertMayManageRole(manager, current.role)
        if (current.role === 'owner' && (await ownerCount(trx, manager.teamId)) === 1)
          throw new ConflictError(
            'last_owner',
            leaving
              ? 'You are the last owner of this team: make someone else owner before you leave.'
              : 'The last owner of a team cannot be removed.',
          )
        await dropMembership(trx, manager.teamId, userId)
        await audit.record(trx, actor, {
          action: leaving ? 'member.left' : 'member.removed',
          resourceType: 'user',
          resourceId: userId,
          details: { role: current.role },
        })
      })
    },
  }
}

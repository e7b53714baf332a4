import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB, MembershipRole, UserRole } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import { BadRequestError, ConflictError } from '../errors.js'
import { MIN_PASSWORD_LENGTH, hashPassword } from './passwords.js'

export const DEFAULT_TEAM_NAME = 'Default'

export type CreateUserInput = {
  email: string
  password: string
  name?: string
  admin?: boolean
  /** An instance administrator; the first admin on an empty database always is one. */
  instanceAdmin?: boolean
  /** Team to join (created when missing); the first team when omitted. */
  teamName?: string
}

type Deps = { db: Kysely<DB>; audit: Pick<AuditService, 'record'> }

export type UsersService = ReturnType<typeof createUsersService>

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

/** The e-mail as stored (trimmed, lower case), or 400 when it is not one. */
export function validEmail(input: string): string {
  const email = normalizeEmail(input)
  if (!/^[^\s@]+@[^\s@]+$/.test(email))
    throw new BadRequestError('invalid_email', `"${input}" is not an e-mail address.`)
  return email
}

export function validPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new BadRequestError('weak_password', `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`)
  return password
}

export function createUsersService({ db, audit }: Deps) {
  async function countUsers(): Promise<number> {
    const row = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** Creates a user and its membership; admins own their team, others are members of it. */
  async function create(input: CreateUserInput, actor: Actor) {
    const email = validEmail(input.email)
    const passwordHash = await hashPassword(validPassword(input.password))
    const role: UserRole = input.admin ? 'admin' : 'member'
    const membershipRole: MembershipRole = input.admin ? 'owner' : 'member'
    return db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()
      if (existing) throw new ConflictError('email_taken', `A user with the e-mail ${email} already exists.`)
      const firstUser = !(await trx.selectFrom('users').select('id').limit(1).executeTakeFirst())
      const instanceAdmin = input.instanceAdmin === true || (firstUser && input.admin === true)
      const teamId = await findOrCreateTeam(trx, input.teamName)
      const now = nowIso()
      const user = {
        id: newId(),
        email,
        name: input.name ?? email.split('@')[0]!,
        password_hash: passwordHash,
        role,
        created_at: now,
        instance_admin: instanceAdmin ? 1 : 0,
        disabled_at: null,
      }
      await trx.insertInto('users').values(user).execute()
      await trx
        .insertInto('memberships')
        .values({ team_id: teamId, user_id: user.id, role: membershipRole, created_at: now })
        .execute()
      await audit.record(
        trx,
        { ...actor, teamId },
        {
          action: 'user.created',
          resourceType: 'user',
          resourceId: user.id,
          details: { email, role, membership: membershipRole, instance_admin: instanceAdmin },
        },
      )
      return { id: user.id, email, name: user.name, role, teamId, instanceAdmin }
    })
  }

  async function findOrCreateTeam(trx: Kysely<DB>, teamName: string | undefined): Promise<string> {
    const query = trx.selectFrom('teams').select('id').orderBy('created_at').orderBy('id')
    const found = await (teamName ? query.where('name', '=', teamName) : query).executeTakeFirst()
    if (found) return found.id
    const team = { id: newId(), name: teamName ?? DEFAULT_TEAM_NAME, created_at: nowIso() }
    await trx.insertInto('teams').values(team).execute()
    return team.id
  }

  async function findByEmail(email: string) {
    return db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst()
  }

  /** The team a user acts in (the first they joined) and their role there. */
  async function primaryMembership(userId: string) {
    return db
      .selectFrom('memberships')
      .select(['team_id', 'role'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .executeTakeFirst()
  }

  /** Inserts a user with no membership (an accepted invitation adds one in the same transaction). */
  async function insertUser(trx: Kysely<DB>, input: { email: string; password: string; name?: string }) {
    const email = validEmail(input.email)
    const passwordHash = await hashPassword(validPassword(input.password))
    const existing = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()
    if (existing) throw new ConflictError('email_taken', `A user with the e-mail ${email} already exists.`)
    const user = {
      id: newId(),
      email,
      name: input.name?.trim() || email.split('@')[0]!,
      password_hash: passwordHash,
      role: 'member' as const,
      created_at: nowIso(),
      instance_admin: 0,
      disabled_at: null,
    }
    await trx.insertInto('users').values(user).execute()
    return { id: user.id, email, name: user.name }
  }

  /** Every team, oldest first (the CLI picks one by name, or the first). */
  async function listTeams() {
    return db.selectFrom('teams').select(['id', 'name']).orderBy('created_at').execute()
  }

  return { countUsers, create, insertUser, findByEmail, primaryMembership, listTeams }
}

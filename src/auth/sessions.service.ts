import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB } from '../db/schema.js'
import { preparedQuery } from '../db/prepared.js'
import { newId, nowIso } from '../db/time.js'
import { BadRequestError, ForbiddenError, NotFoundError, TooManyRequestsError, UnauthorizedError } from '../errors.js'
import { generateToken, hashToken } from '../crypto/tokens.js'
import { createLoginLimiter } from './login-limiter.js'
import { abilitiesOfUser } from './membership-abilities.js'
import { verifyDecoy, verifyPassword } from './passwords.js'
import { sessionIdOf, type Principal } from './principal.js'
import { normalizeEmail, type UsersService } from './users.service.js'

export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000

// Every request of the web UI runs this: compiled once (building the query cost more than running it).
const selectSessionPrincipal = preparedQuery((db, tokenHash: string) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .innerJoin('memberships', (j) =>
      j.onRef('memberships.user_id', '=', 'sessions.user_id').onRef('memberships.team_id', '=', 'sessions.team_id'),
    )
    .select([
      'sessions.id',
      'sessions.expires_at',
      'sessions.team_id',
      'users.id as user_id',
      'users.email',
      'users.instance_admin',
      'users.disabled_at',
      'memberships.role',
    ])
    .where('sessions.token_hash', '=', tokenHash),
)

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  users: Pick<UsersService, 'findByEmail' | 'primaryMembership'>
}

export type SessionsService = ReturnType<typeof createSessionsService>

export function createSessionsService({ db, audit, users }: Deps) {
  const limiter = createLoginLimiter({ maxFailures: 5, windowMs: 60_000 })

  /** Checks the password and opens a session; every attempt, good or bad, is audited. */
  async function login(input: { email: string; password: string; ip: string | null }) {
    const email = normalizeEmail(input.email)
    const keys = [`ip:${input.ip ?? 'unknown'}`, `email:${email}`]
    const wait = limiter.retryAfterSeconds(keys)
    if (wait > 0) throw new TooManyRequestsError(`Too many failed logins; try again in ${wait} s.`, wait)

    const user = await users.findByEmail(email)
    const membership = user ? await users.primaryMembership(user.id) : undefined
    const valid = user
      ? await verifyPassword(user.password_hash, input.password)
      : (await verifyDecoy(input.password), false)
    const anonymous: Actor = {
      type: 'anonymous',
      id: null,
      name: email,
      teamId: membership?.team_id ?? null,
      via: 'login',
      ip: input.ip,
    }
    if (user && membership && valid && user.disabled_at !== null) {
      await db
        .transaction()
        .execute((trx) =>
          audit.record(trx, anonymous, { action: 'auth.login_refused', details: { email, reason: 'disabled' } }),
        )
      throw new ForbiddenError('user_disabled', 'This account is disabled; ask an instance administrator.')
    }
    if (!user || !membership || !valid) {
      limiter.recordFailure(keys)
      await db
        .transaction()
        .execute((trx) => audit.record(trx, anonymous, { action: 'auth.login_failed', details: { email } }))
      throw new UnauthorizedError('The e-mail or password is wrong.')
    }
    limiter.reset(keys)
    const token = generateToken('bs')
    const now = new Date()
    const session = {
      id: newId(),
      token_hash: hashToken(token),
      user_id: user.id,
      team_id: membership.team_id,
      ip: input.ip,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
      last_seen_at: now.toISOString(),
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('sessions').values(session).execute()
      await audit.record(
        trx,
        {
          type: 'user',
          id: user.id,
          name: user.email,
          teamId: membership.team_id,
          via: `session:${session.id}`,
          ip: input.ip,
        },
        {
          action: 'auth.login',
          resourceType: 'session',
          resourceId: session.id,
        },
      )
    })
    return { token, expiresAt: session.expires_at, userId: user.id }
  }

  async function authenticate(token: string, ip: string | null): Promise<Principal | undefined> {
    const row = (await selectSessionPrincipal(db, hashToken(token))).rows[0]
    if (!row || row.expires_at <= nowIso() || row.disabled_at !== null) return undefined
    return {
      kind: 'user',
      userId: row.user_id,
      userEmail: row.email,
      teamId: row.team_id,
      abilities: new Set(abilitiesOfUser(row.role, row.instance_admin === 1)),
      via: `session:${row.id}`,
      ip,
    }
  }

  async function logout(principal: Principal, actor: Actor): Promise<void> {
    const sessionId = sessionIdOf(principal)
    if (!sessionId) return
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('sessions').where('id', '=', sessionId).execute()
      await audit.record(trx, actor, { action: 'auth.logout', resourceType: 'session', resourceId: sessionId })
    })
  }

  /** Moves a session to another team of the user's; the next request acts there with that team's role. */
  async function switchTeam(principal: Principal, teamId: string, actor: Actor) {
    const sessionId = sessionIdOf(principal)
    if (!sessionId)
      throw new BadRequestError('session_required', 'API tokens belong to one team; switching teams is for sessions.')
    await db.transaction().execute(async (trx) => {
      const member = await trx
        .selectFrom('memberships')
        .select('role')
        .where('team_id', '=', teamId)
        .where('user_id', '=', principal.userId)
        .executeTakeFirst()
      if (!member) throw new NotFoundError(`Team ${teamId} was not found.`)
      await trx.updateTable('sessions').set({ team_id: teamId }).where('id', '=', sessionId).execute()
      await audit.record(
        trx,
        { ...actor, teamId },
        { action: 'auth.team_switched', resourceType: 'team', resourceId: teamId, details: { from: principal.teamId } },
      )
    })
  }

  return { login, authenticate, logout, switchTeam }
}

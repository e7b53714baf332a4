import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB } from '../db/schema.js'
import { preparedQuery } from '../db/prepared.js'
import { newId, nowIso } from '../db/time.js'
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors.js'
import { generateToken, hashToken } from '../crypto/tokens.js'
import { abilitiesOfUser } from './membership-abilities.js'
import { effectiveTokenAbilities, hasAbility, type Ability, type Principal } from './principal.js'

// Writing last_used_at on every request would turn each read into a write; once a minute is enough to be useful.
const LAST_USED_RESOLUTION_MS = 60_000

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  /** Where a use is recorded when it is due: here by default; a reader process, which never writes, passes it to the serving process. */
  recordUse?: (tokenId: string, at: string) => void
}

// Every API request runs this: compiled once (building the query cost more than running it).
const selectTokenPrincipal = preparedQuery((db, tokenHash: string) =>
  db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    // The creator's membership now: a token of someone who left the team stops working.
    .innerJoin('memberships', (j) =>
      j.onRef('memberships.user_id', '=', 'api_tokens.user_id').onRef('memberships.team_id', '=', 'api_tokens.team_id'),
    )
    .select([
      'api_tokens.id',
      'api_tokens.team_id',
      'abilities',
      'expires_at',
      'last_used_at',
      'revoked_at',
      'users.id as user_id',
      'users.email',
      'users.instance_admin',
      'users.disabled_at',
      'memberships.role',
    ])
    .where('token_hash', '=', tokenHash),
)

export type CreateTokenInput = { name: string; abilities: Ability[]; expiresAt?: string | null }

export type TokenSummary = {
  id: string
  name: string
  prefix: string
  abilities: Ability[]
  expires_at: string | null
  last_used_at: string | null
  created_at: string
  created_by: string
}

export type TokensService = ReturnType<typeof createTokensService>

export function createTokensService({ db, audit, recordUse: recordElsewhere }: Deps) {
  /** Creates a token for the creator's team; the plaintext is returned once and only its hash is stored. */
  async function create(
    creator: { userId: string; teamId: string; abilities: ReadonlySet<Ability> },
    input: CreateTokenInput,
    actor: Actor,
  ) {
    const abilities = [...new Set(input.abilities)].sort()
    const exceeding = abilities.filter((a) => !hasAbility(creator, a))
    if (exceeding.length > 0) {
      throw new ForbiddenError(
        'ability_escalation',
        `A token cannot be given abilities its creator lacks: ${exceeding.join(', ')}.`,
      )
    }
    if (abilities.length === 0) throw new BadRequestError('invalid_abilities', 'A token needs at least one ability.')
    if (input.expiresAt && input.expiresAt <= nowIso()) {
      throw new BadRequestError('invalid_expiry', `expires_at ${input.expiresAt} is in the past.`)
    }
    const token = generateToken('berth')
    const row = {
      id: newId(),
      team_id: creator.teamId,
      user_id: creator.userId,
      name: input.name,
      token_hash: hashToken(token),
      token_prefix: token.slice(0, 12),
      abilities: abilities.join(','),
      expires_at: input.expiresAt ?? null,
      last_used_at: null,
      revoked_at: null,
      created_at: nowIso(),
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('api_tokens').values(row).execute()
      await audit.record(trx, actor, {
        action: 'token.created',
        resourceType: 'token',
        resourceId: row.id,
        details: { name: row.name, abilities, expires_at: row.expires_at },
      })
    })
    return { id: row.id, token, name: row.name, abilities, expires_at: row.expires_at }
  }

  async function list(teamId: string): Promise<TokenSummary[]> {
    const rows = await db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id',
        'api_tokens.name',
        'token_prefix',
        'abilities',
        'expires_at',
        'last_used_at',
        'api_tokens.created_at',
        'users.email',
      ])
      .where('team_id', '=', teamId)
      .where('revoked_at', 'is', null)
      .orderBy('api_tokens.created_at', 'desc')
      .execute()
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      prefix: r.token_prefix,
      abilities: r.abilities.split(',') as Ability[],
      expires_at: r.expires_at,
      last_used_at: r.last_used_at,
      created_at: r.created_at,
      created_by: r.email,
    }))
  }

  async function revoke(teamId: string, tokenId: string, actor: Actor): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('api_tokens')
        .set({ revoked_at: nowIso() })
        .where('id', '=', tokenId)
        .where('team_id', '=', teamId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) throw new NotFoundError(`Token ${tokenId} was not found.`)
      await audit.record(trx, actor, { action: 'token.revoked', resourceType: 'token', resourceId: tokenId })
    })
  }

  async function authenticate(token: string, ip: string | null): Promise<Principal | undefined> {
    const row = (await selectTokenPrincipal(db, hashToken(token))).rows[0]
    const now = nowIso()
    if (!row || row.revoked_at !== null || row.disabled_at !== null) return undefined
    if (row.expires_at !== null && row.expires_at <= now) return undefined
    if (!row.last_used_at || Date.parse(now) - Date.parse(row.last_used_at) > LAST_USED_RESOLUTION_MS) {
      if (recordElsewhere) recordElsewhere(row.id, now)
      else await recordUse(row.id, now)
    }
    return {
      kind: 'token',
      userId: row.user_id,
      userEmail: row.email,
      teamId: row.team_id,
      tokenId: row.id,
      abilities: effectiveTokenAbilities(
        row.abilities.split(',') as Ability[],
        abilitiesOfUser(row.role, row.instance_admin === 1),
      ),
      via: `token:${row.id}`,
      ip,
    }
  }

  /** Sets a token's last use, never back in time (a reader's report may arrive after a later use here). */
  async function recordUse(tokenId: string, at: string): Promise<void> {
    await db
      .updateTable('api_tokens')
      .set({ last_used_at: at })
      .where('id', '=', tokenId)
      .where((w) => w.or([w('last_used_at', 'is', null), w('last_used_at', '<', at)]))
      .execute()
  }

  return { create, list, revoke, authenticate, recordUse }
}

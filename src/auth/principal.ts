import { z } from 'zod'
import { ForbiddenError } from '../errors.js'

/**
 * Abilities a caller may hold. Team abilities act on the caller's team; "root" holds all of them.
 * "instance" (instance administration: settings, Berth's own backups, shared servers, the proxy as
 * a whole, teams, users) is never implied by a team role, and it implies "proxy:provider", the
 * one ability Traefik's HTTP provider needs to read the whole routing document.
 */
export const ABILITIES = [
  'read',
  'read:sensitive',
  'write',
  'deploy',
  'members',
  'terminal',
  'root',
  'instance',
  'proxy:provider',
] as const
export type Ability = (typeof ABILITIES)[number]
/** An ability in requests and responses: one named schema, whose values the UI's lists come from. */
export const abilitySchema = z.enum(ABILITIES).meta({ id: 'Ability' })

/** What "root" stands for in a team. */
export const TEAM_ABILITIES: readonly Ability[] = ['read', 'read:sensitive', 'write', 'deploy', 'members', 'terminal']

/** Who is calling, for which team, with which abilities: the result of authenticating a request or a CLI run. */
export type Principal = {
  userId: string
  userEmail: string
  teamId: string
  abilities: ReadonlySet<Ability>
  /** How the caller authenticated: "session:<id>", "token:<id>" or "cli". */
  via: string
  kind: 'user' | 'token'
  tokenId?: string
  ip: string | null
}

/** The session a caller authenticated with, if it was a session (not a token or the CLI). */
export function sessionIdOf(principal: Pick<Principal, 'via'>): string | undefined {
  return principal.via.startsWith('session:') ? principal.via.slice('session:'.length) : undefined
}

export function hasAbility(principal: Pick<Principal, 'abilities'>, ability: Ability): boolean {
  const held = principal.abilities
  if (ability === 'instance') return held.has('instance')
  if (ability === 'proxy:provider') return held.has('proxy:provider') || held.has('instance')
  return held.has('root') || held.has(ability)
}

/** Every ability a set stands for, "root" and "instance" spelled out. */
export function expandAbilities(abilities: Iterable<Ability>): Set<Ability> {
  const expanded = new Set<Ability>(abilities)
  if (expanded.has('root')) for (const a of TEAM_ABILITIES) expanded.add(a)
  if (expanded.has('instance')) expanded.add('proxy:provider')
  return expanded
}

/**
 * What a token may do now: the abilities it was given that its creator still holds. A creator who
 * lost a role or the instance role takes the token's power down with them, at once.
 */
export function effectiveTokenAbilities(token: Iterable<Ability>, creator: Iterable<Ability>): Set<Ability> {
  const creatorHolds = expandAbilities(creator)
  return new Set([...expandAbilities(token)].filter((a) => creatorHolds.has(a)))
}

export function requireAbility(principal: Pick<Principal, 'abilities'>, ability: Ability): void {
  if (!hasAbility(principal, ability)) {
    throw new ForbiddenError(
      ability === 'instance' ? 'instance_admin_required' : 'missing_ability',
      ability === 'instance'
        ? 'This action is for instance administrators only.'
        : `This action needs the "${ability}" ability, which the caller does not have.`,
      { required: ability },
    )
  }
}

export function parseAbilities(text: string): Ability[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const unknown = names.filter((n) => !(ABILITIES as readonly string[]).includes(n))
  if (unknown.length > 0) {
    throw new Error(`Unknown abilities: ${unknown.join(', ')} (known: ${ABILITIES.join(', ')})`)
  }
  return [...new Set(names as Ability[])].sort()
}

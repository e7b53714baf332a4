import { ForbiddenError } from '../errors.js'

export const ABILITIES = ['read', 'read:sensitive', 'write', 'deploy', 'root'] as const
export type Ability = (typeof ABILITIES)[number]

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

export function hasAbility(principal: Pick<Principal, 'abilities'>, ability: Ability): boolean {
  return principal.abilities.has('root') || principal.abilities.has(ability)
}

export function requireAbility(principal: Pick<Principal, 'abilities'>, ability: Ability): void {
  if (!hasAbility(principal, ability)) {
    throw new ForbiddenError(
      'missing_ability',
      `This action needs the "${ability}" ability, which the caller does not have.`,
      {
        required: ability,
      },
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

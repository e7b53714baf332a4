import { useQueryClient } from '@tanstack/react-query'
import type { ListsEvery, Me } from './types'

export type Ability = Me['abilities'][number]

/** Every ability, in the server's order (the token form offers them). */
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
] as const satisfies readonly Ability[]
export const abilitiesComplete: ListsEvery<Ability, typeof ABILITIES> = true

/**
 * Whether the signed-in user holds an ability, by the server's rule: "root" implies every team
 * ability, "instance" (instance administration) is held only by name and implies "proxy:provider".
 * App loads `me` before any page renders.
 */
export function useAbility(ability: Ability): boolean {
  const abilities = useQueryClient().getQueryData<Me | null>(['me'])?.abilities ?? []
  if (ability === 'instance') return abilities.includes('instance')
  if (ability === 'proxy:provider') return abilities.includes('instance') || abilities.includes('proxy:provider')
  return abilities.includes('root') || abilities.includes(ability)
}

/** The signed-in user, as App loaded it before any page renders. */
export function useMe(): Me | undefined {
  return useQueryClient().getQueryData<Me | null>(['me']) ?? undefined
}

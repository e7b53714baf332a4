import { useQueryClient } from '@tanstack/react-query'
import type { Me } from './types'

/** Whether the signed-in user holds an ability (root implies all, as on the server); App loads `me` before any page renders. */
export function useAbility(ability: string): boolean {
  const abilities = useQueryClient().getQueryData<Me | null>(['me'])?.abilities ?? []
  return abilities.includes('root') || abilities.includes(ability)
}

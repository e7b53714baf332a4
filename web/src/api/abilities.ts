import { useQueryClient } from '@tanstack/react-query'
import type { Me } from './types'

/** Whether the signed-in user (or token) holds an ability; App loads `me` before any page renders. */
export function useAbility(ability: string): boolean {
  const me = useQueryClient().getQueryData<Me | null>(['me'])
  return me?.abilities.includes(ability) ?? false
}

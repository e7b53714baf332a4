import type { MembershipRole } from '../db/schema.js'
import type { Ability } from './principal.js'

/** What a signed-in person may do in their team; tokens carry their own list instead. */
export function abilitiesForRole(role: MembershipRole): Ability[] {
  switch (role) {
    case 'owner':
      return ['root']
    case 'member':
      return ['read', 'read:sensitive', 'write', 'deploy']
    case 'viewer':
      return ['read']
  }
}

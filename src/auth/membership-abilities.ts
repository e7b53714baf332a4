import type { MembershipRole } from '../db/schema.js'
import type { Ability } from './principal.js'

/**
 * What a signed-in person may do in their team; tokens carry their own list (never more than this).
 *
 * | role   | read | read:sensitive | write | deploy | members | owners & team deletion |
 * |--------|------|----------------|-------|--------|---------|------------------------|
 * | owner  | yes  | yes            | yes   | yes    | yes     | yes ("root")           |
 * | admin  | yes  | yes            | yes   | yes    | yes     | no                     |
 * | member | yes  | yes            | yes   | yes    | no      | no                     |
 * | viewer | yes  | no             | no    | no     | no      | no                     |
 */
export function abilitiesForRole(role: MembershipRole): Ability[] {
  switch (role) {
    case 'owner':
      return ['root']
    case 'admin':
      return ['read', 'read:sensitive', 'write', 'deploy', 'members']
    case 'member':
      return ['read', 'read:sensitive', 'write', 'deploy']
    case 'viewer':
      return ['read']
  }
}

/** A user's abilities in a team: their role's, plus "instance" for an instance administrator. */
export function abilitiesOfUser(role: MembershipRole, instanceAdmin: boolean): Ability[] {
  return instanceAdmin ? [...abilitiesForRole(role), 'instance'] : abilitiesForRole(role)
}

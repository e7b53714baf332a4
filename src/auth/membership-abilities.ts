import type { MembershipRole } from '../db/schema.js'
import type { Ability } from './principal.js'

/**
 * What a signed-in person may do in their team; tokens carry their own list (never more than this).
 *
 * | role   | read | read:sensitive | write | deploy | members | terminal | owners & team deletion |
 * |--------|------|----------------|-------|--------|---------|----------|------------------------|
 * | owner  | yes  | yes            | yes   | yes    | yes     | yes      | yes ("root")           |
 * | admin  | yes  | yes            | yes   | yes    | yes     | yes      | no                     |
 * | member | yes  | yes            | yes   | yes    | no      | no       | no                     |
 * | viewer | yes  | no             | no    | no     | no      | no       | no                     |
 *
 * "terminal" (a shell in a running container) is its own ability, not part of "deploy": an
 * interactive session acts outside every versioned, reviewed change, so a team grants it by role
 * (owners and admins) or to a token by name, and each session is audited.
 */
export function abilitiesForRole(role: MembershipRole): Ability[] {
  switch (role) {
    case 'owner':
      return ['root']
    case 'admin':
      return ['read', 'read:sensitive', 'write', 'deploy', 'members', 'terminal']
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

// Response shapes of the teams, members, invitations and users routes.

export type Role = 'owner' | 'admin' | 'member' | 'viewer'
export const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer']

export type TeamOfUser = { uuid: string; name: string; role: Role; created_at: string }
export type TeamList = { current: string; teams: TeamOfUser[] }

export type Member = { user_uuid: string; email: string; name: string; role: Role; joined_at: string }
export type MemberList = { members: Member[] }

export type Invitation = { uuid: string; role: Role; created_at: string; expires_at: string; created_by: string | null }
export type InvitationList = { invitations: Invitation[] }
/** The answer to creating an invitation: the only time its token is shown. */
export type CreatedInvitation = { uuid: string; role: Role; expires_at: string; token: string; path: string }
/** What an invitation link offers, for the public page that accepts it. */
export type InvitationOffer = { team_name: string; role: Role; expires_at: string }
export type AcceptedInvitation = { team_uuid: string; team_name: string; user_uuid: string; role: Role }

export type PasswordResetOffer = { email: string; expires_at: string }
/** The answer to making a reset link: the only time its token is shown. */
export type CreatedPasswordReset = { token: string; path: string; expires_at: string }

export type InstanceTeam = { uuid: string; name: string; created_at: string; members: number }
export type InstanceTeamList = { teams: InstanceTeam[] }

export type InstanceUser = {
  uuid: string
  email: string
  name: string
  instance_admin: boolean
  disabled: boolean
  created_at: string
}
export type UserList = { users: InstanceUser[] }

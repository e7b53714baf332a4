import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { useAbility, useMe } from '../api/abilities'
import { call } from '../api/client'
import {
  ROLES,
  type CreatedInvitation,
  type InvitationList,
  type Member,
  type MemberList,
  type Role,
  type TeamList,
} from '../api/team-types'
import '../admin.css'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { DataTable, RowButton } from '../components/DataTable'
import { Field } from '../components/Field'
import { ErrorNotice, formatTime } from '../components/Notice'
import { OneTimeLink } from '../components/OneTimeLink'
import { QueryState } from '../components/QueryState'

const VALIDITY = [
  { hours: 1, label: '1 hour' },
  { hours: 24, label: '1 day' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '1 week' },
  { hours: 720, label: '30 days' },
]

/** The roles this user may give or take: only owners touch the owner role. */
function useManageableRoles(): readonly Role[] {
  const isOwner = useAbility('root')
  return isOwner ? ROLES : ROLES.filter((r) => r !== 'owner')
}

export function TeamPage() {
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => call<TeamList>('teams') })
  const mayManage = useAbility('members')
  const current = teams.data?.teams.find((t) => t.uuid === teams.data?.current)
  return (
    <section>
      <h1>Team</h1>
      {current && (
        <p className="muted">
          <strong>{current.name}</strong> · your role: {current.role}
        </p>
      )}
      <p>
        <Link to="/team/notifications">Notifications</Link>: the channels told when a deployment fails or recovers.{' '}
        <Link to="/team/backup-destinations">Backup destinations</Link>: where database backups go.{' '}
        <Link to="/team/registries">Registries</Link>: logins to private image registries the team's deployments pull
        from.
      </p>
      <Members mayManage={mayManage} />
      {mayManage ? (
        <Invitations />
      ) : (
        <p className="muted">Owners and admins of the team invite members and change roles.</p>
      )}
    </section>
  )
}

function Members({ mayManage }: { mayManage: boolean }) {
  const queryClient = useQueryClient()
  const me = useMe()
  const manageable = useManageableRoles()
  const members = useQuery({ queryKey: ['members'], queryFn: () => call<MemberList>('members') })
  const [removing, setRemoving] = useState<Member | null>(null)
  const [leaving, setLeaving] = useState(false)
  const changeRole = useMutation({
    mutationFn: ({ member, role }: { member: Member; role: Role }) =>
      call('changeMemberRole', { params: { uuid: member.user_uuid }, body: { role } }),
    // A changed role of one's own changes one's abilities.
    onSettled: () => queryClient.invalidateQueries(),
  })
  const remove = useMutation({
    mutationFn: (member: Member) => call('removeMember', { params: { uuid: member.user_uuid } }),
    onSuccess: async () => {
      setRemoving(null)
      await queryClient.invalidateQueries({ queryKey: ['members'] })
    },
  })
  const leave = useMutation({
    mutationFn: () => call('leaveTeam'),
    // Leaving ends the sessions in the team, this one too: back to the login page.
    onSuccess: () => {
      queryClient.clear()
      queryClient.setQueryData(['me'], null)
    },
  })
  const mayTouch = (m: Member) => mayManage && manageable.includes(m.role)

  return (
    <section aria-labelledby="members">
      <h2 id="members">Members</h2>
      <QueryState query={members} what="members">
        {(data) => (
          <DataTable
            label="Members"
            rows={data.members}
            rowKey={(m) => m.user_uuid}
            empty="No members."
            columns={[
              {
                header: 'Member',
                cell: (m) => (
                  <>
                    {m.email} {m.name && <small className="muted">({m.name})</small>}
                    {m.user_uuid === me?.user.id && <small className="badge">you</small>}
                  </>
                ),
              },
              {
                header: 'Role',
                cell: (m) =>
                  mayTouch(m) ? (
                    <select
                      aria-label={`Role of ${m.email}`}
                      className="inline-select"
                      value={m.role}
                      disabled={changeRole.isPending}
                      onChange={(e) => changeRole.mutate({ member: m, role: e.target.value as Role })}
                    >
                      {manageable.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  ) : (
                    m.role
                  ),
              },
              { header: 'Joined', cell: (m) => formatTime(m.joined_at) },
            ]}
            actions={
              mayManage
                ? (m) =>
                    mayTouch(m) && m.user_uuid !== me?.user.id ? (
                      <RowButton label="Remove" target={m.email} secondary onClick={() => setRemoving(m)} />
                    ) : null
                : undefined
            }
          />
        )}
      </QueryState>
      <ErrorNotice error={changeRole.error ?? remove.error ?? leave.error} />
      <button type="button" className="outline secondary" onClick={() => setLeaving(true)}>
        Leave team
      </button>
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.email ?? ''}?`}
        confirmLabel="Remove member"
        onConfirm={() => removing && remove.mutate(removing)}
        onCancel={() => setRemoving(null)}
      >
        <p>Their sessions and API tokens in this team stop at once. Their account stays.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={leaving}
        title="Leave this team?"
        confirmLabel="Leave team"
        onConfirm={() => {
          setLeaving(false)
          leave.mutate()
        }}
        onCancel={() => setLeaving(false)}
      >
        <p>You lose access to its projects and your API tokens in it stop. You are signed out.</p>
      </ConfirmDialog>
    </section>
  )
}

function Invitations() {
  const queryClient = useQueryClient()
  const manageable = useManageableRoles()
  const invitations = useQuery({ queryKey: ['invitations'], queryFn: () => call<InvitationList>('invitations') })
  const [role, setRole] = useState<Role>('member')
  const [hours, setHours] = useState(72)
  const [created, setCreated] = useState<CreatedInvitation | null>(null)
  const create = useMutation({
    mutationFn: () => call<CreatedInvitation>('createInvitation', { body: { role, valid_hours: hours } }),
    onSuccess: async (invitation) => {
      setCreated(invitation)
      await queryClient.invalidateQueries({ queryKey: ['invitations'] })
    },
  })
  const revoke = useMutation({
    mutationFn: (uuid: string) => call('revokeInvitation', { params: { uuid } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['invitations'] }),
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    create.mutate()
  }

  return (
    <section aria-labelledby="invitations">
      <h2 id="invitations">Invitations</h2>
      {created && (
        <OneTimeLink path={created.path} title="Invitation link" onDone={() => setCreated(null)}>
          <p>
            Whoever opens it joins as <strong>{created.role}</strong>, once, until {formatTime(created.expires_at)}.
          </p>
        </OneTimeLink>
      )}
      <QueryState query={invitations} what="invitations">
        {(data) => (
          <DataTable
            label="Pending invitations"
            rows={data.invitations}
            rowKey={(i) => i.uuid}
            empty="No pending invitations."
            columns={[
              { header: 'Role', cell: (i) => i.role },
              { header: 'Created by', cell: (i) => i.created_by ?? '—' },
              { header: 'Created', cell: (i) => formatTime(i.created_at) },
              { header: 'Expires', cell: (i) => formatTime(i.expires_at) },
            ]}
            actions={(i) => (
              <RowButton
                label="Revoke"
                target={`the ${i.role} invitation of ${formatTime(i.created_at)}`}
                secondary
                busy={revoke.isPending && revoke.variables === i.uuid}
                onClick={() => revoke.mutate(i.uuid)}
              />
            )}
          />
        )}
      </QueryState>
      <ErrorNotice error={revoke.error} />
      <form onSubmit={submit} aria-labelledby="invitation-new">
        <h3 id="invitation-new">Invite someone</h3>
        <div className="grid">
          <Field label="Role">
            {(control) => (
              <select {...control} value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {manageable.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Link valid for">
            {(control) => (
              <select {...control} value={hours} onChange={(e) => setHours(Number(e.target.value))}>
                {VALIDITY.map((v) => (
                  <option key={v.hours} value={v.hours}>
                    {v.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <ErrorNotice error={create.error} />
        <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
          Create invitation link
        </button>
      </form>
    </section>
  )
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useAbility, useMe } from '../api/abilities'
import { call } from '../api/client'
import type { CreatedPasswordReset, InstanceTeamList, InstanceUser, UserList } from '../api/team-types'
import '../admin.css'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { DataTable, RowButton } from '../components/DataTable'
import { errorWithCode, fieldError, TextField } from '../components/Field'
import { ErrorNotice, formatTime, SuccessNotice } from '../components/Notice'
import { OneTimeLink } from '../components/OneTimeLink'
import { QueryState } from '../components/QueryState'
import { SectionTabs } from '../components/SectionTabs'

/** The instance administration pages: users and teams of the whole instance. */
function AdminFrame({ children }: { children: React.ReactNode }) {
  const isInstanceAdmin = useAbility('instance')
  return (
    <section>
      <h1>Instance administration</h1>
      <SectionTabs
        label="Administration sections"
        tabs={[
          { to: '/admin/users', label: 'Users' },
          { to: '/admin/teams', label: 'Teams' },
        ]}
      />
      {isInstanceAdmin ? children : <p>Only instance administrators manage users and teams.</p>}
    </section>
  )
}

export function AdminUsersPage() {
  return (
    <AdminFrame>
      <Users />
    </AdminFrame>
  )
}

export function AdminTeamsPage() {
  return (
    <AdminFrame>
      <Teams />
    </AdminFrame>
  )
}

function Users() {
  const queryClient = useQueryClient()
  const me = useMe()
  const users = useQuery({ queryKey: ['users'], queryFn: () => call<UserList>('users') })
  const [disabling, setDisabling] = useState<InstanceUser | null>(null)
  const [reset, setReset] = useState<(CreatedPasswordReset & { email: string }) | null>(null)
  const update = useMutation({
    mutationFn: ({ user, change }: { user: InstanceUser; change: { instance_admin?: boolean; disabled?: boolean } }) =>
      call<InstanceUser>('updateUser', { params: { uuid: user.uuid }, body: change }),
    onSuccess: async () => {
      setDisabling(null)
      await queryClient.invalidateQueries({ queryKey: ['users'] })
    },
  })
  const makeReset = useMutation({
    mutationFn: (user: InstanceUser) =>
      call<CreatedPasswordReset>('createPasswordReset', { params: { uuid: user.uuid } }),
    onSuccess: (created, user) => setReset({ ...created, email: user.email }),
  })
  const busy = (user: InstanceUser) => update.isPending && update.variables?.user.uuid === user.uuid

  return (
    <>
      <h2>Users</h2>
      {reset && (
        <OneTimeLink path={reset.path} title={`Password reset link for ${reset.email}`} onDone={() => setReset(null)}>
          <p>It sets a new password once, until {formatTime(reset.expires_at)}. Send it to them yourself.</p>
        </OneTimeLink>
      )}
      <QueryState query={users} what="users">
        {(data) => (
          <DataTable
            label="Users"
            rows={data.users}
            rowKey={(u) => u.uuid}
            empty="No users."
            columns={[
              {
                header: 'User',
                cell: (u) => (
                  <>
                    {u.email} {u.name && <small className="muted">({u.name})</small>}
                    {u.uuid === me?.user.id && <small className="badge">you</small>}
                  </>
                ),
              },
              {
                header: 'Status',
                cell: (u) => (
                  <>
                    {u.disabled ? <small className="badge badge-warn">disabled</small> : 'active'}
                    {u.instance_admin && <small className="badge">instance admin</small>}
                  </>
                ),
              },
              { header: 'Created', cell: (u) => formatTime(u.created_at) },
            ]}
            actions={(u) => (
              <>
                <RowButton
                  label={u.instance_admin ? 'Revoke instance admin' : 'Make instance admin'}
                  target={u.email}
                  busy={busy(u)}
                  onClick={() => update.mutate({ user: u, change: { instance_admin: !u.instance_admin } })}
                />{' '}
                {u.disabled ? (
                  <RowButton
                    label="Enable"
                    target={u.email}
                    busy={busy(u)}
                    onClick={() => update.mutate({ user: u, change: { disabled: false } })}
                  />
                ) : (
                  <RowButton label="Disable" target={u.email} secondary onClick={() => setDisabling(u)} />
                )}{' '}
                <RowButton
                  label="Reset link"
                  target={u.email}
                  secondary
                  busy={makeReset.isPending && makeReset.variables?.uuid === u.uuid}
                  onClick={() => makeReset.mutate(u)}
                />
              </>
            )}
          />
        )}
      </QueryState>
      <ErrorNotice error={update.error ?? makeReset.error} />
      <ConfirmDialog
        open={disabling !== null}
        title={`Disable ${disabling?.email ?? ''}?`}
        confirmLabel="Disable user"
        onConfirm={() => disabling && update.mutate({ user: disabling, change: { disabled: true } })}
        onCancel={() => setDisabling(null)}
      >
        <p>Their sessions and API tokens stop at once, in every team. Enabling them again restores their tokens.</p>
      </ConfirmDialog>
    </>
  )
}

function Teams() {
  const queryClient = useQueryClient()
  const teams = useQuery({ queryKey: ['instance-teams'], queryFn: () => call<InstanceTeamList>('instanceTeams') })
  const [name, setName] = useState('')
  const create = useMutation({
    mutationFn: () => call<{ uuid: string; name: string }>('createTeam', { body: { name } }),
    onSuccess: async () => {
      setName('')
      // The creator owns the new team: it joins their team switcher too.
      await queryClient.invalidateQueries({ queryKey: ['instance-teams'] })
      await queryClient.invalidateQueries({ queryKey: ['teams'] })
    },
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    create.mutate()
  }
  const nameError = fieldError(create.error, 'name') ?? errorWithCode(create.error, ['name_taken', 'invalid_name'])
  return (
    <>
      <h2>Teams</h2>
      <QueryState query={teams} what="teams">
        {(data) => (
          <DataTable
            label="Teams"
            rows={data.teams}
            rowKey={(t) => t.uuid}
            empty="No teams."
            columns={[
              { header: 'Name', cell: (t) => t.name },
              { header: 'Members', cell: (t) => t.members },
              { header: 'Created', cell: (t) => formatTime(t.created_at) },
            ]}
          />
        )}
      </QueryState>
      <form onSubmit={submit} aria-labelledby="team-new">
        <h3 id="team-new">New team</h3>
        <TextField
          label="Team name"
          required
          maxLength={200}
          value={name}
          onChange={setName}
          error={nameError}
          hint="You become its owner and can invite its members from the Team page after switching to it."
        />
        {!nameError && <ErrorNotice error={create.error} />}
        <SuccessNotice>{create.isSuccess && `Team ${create.data.name} created.`}</SuccessNotice>
        <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
          Create team
        </button>
      </form>
    </>
  )
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { Link } from 'react-router'
import { useAbility } from '../api/abilities'
import { call } from '../api/client'
import type { RegistryCredential, RegistryCredentialList } from '../api/registry-types'
import { DataTable, RowButton } from '../components/DataTable'
import { fieldError, TextField } from '../components/Field'
import { ErrorNotice, formatTime } from '../components/Notice'
import { QueryState } from '../components/QueryState'

const QUERY_KEY = ['registries']

/** Team settings: logins to private image registries; the team's deployments pull with them. */
export function RegistriesPage() {
  const mayWrite = useAbility('write')
  return (
    <section>
      <p className="muted">
        <Link to="/team">Team</Link> / Registries
      </p>
      <h1>Registries</h1>
      <p className="muted">
        Deployments of the team's services pull images from these registries with these logins. Passwords are stored
        encrypted and never shown again.
      </p>
      <Registries mayWrite={mayWrite} />
      {mayWrite && <RegistryForm />}
    </section>
  )
}

function Registries({ mayWrite }: { mayWrite: boolean }) {
  const queryClient = useQueryClient()
  const list = useQuery({ queryKey: QUERY_KEY, queryFn: () => call<RegistryCredentialList>('registries') })
  const remove = useMutation({
    mutationFn: (r: RegistryCredential) => call('deleteRegistry', { params: { id: r.id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: QUERY_KEY }),
  })
  return (
    <>
      <QueryState query={list} what="registry logins">
        {(data) => (
          <DataTable
            label="Registry logins"
            rows={data.registries}
            rowKey={(r) => r.id}
            empty="No registry logins: images are pulled without one."
            columns={[
              { header: 'Registry', cell: (r) => <code>{r.host}</code> },
              { header: 'Username', cell: (r) => r.username },
              { header: 'Password', cell: () => '••••••••' },
              { header: 'Changed', cell: (r) => formatTime(r.updated_at) },
            ]}
            actions={
              mayWrite
                ? (r) => <RowButton label="Remove" target={r.host} secondary onClick={() => remove.mutate(r)} />
                : undefined
            }
          />
        )}
      </QueryState>
      <ErrorNotice error={remove.error} />
    </>
  )
}

/** Adds a login, or replaces the username and password of the registry's existing one. */
function RegistryForm() {
  const queryClient = useQueryClient()
  const [host, setHost] = useState('')
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const save = useMutation({
    mutationFn: async () => {
      const existing = queryClient
        .getQueryData<RegistryCredentialList>(QUERY_KEY)
        ?.registries.find((r) => r.host === host)
      return existing
        ? call<RegistryCredential>('updateRegistry', { params: { id: existing.id }, body: { username, password } })
        : call<RegistryCredential>('createRegistry', { body: { host, username, password } })
    },
    onSuccess: async () => {
      setPassword('')
      await queryClient.invalidateQueries({ queryKey: QUERY_KEY })
    },
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    save.mutate()
  }
  return (
    <form onSubmit={submit} aria-labelledby="registry-new">
      <h2 id="registry-new">Add or replace a registry login</h2>
      <TextField
        label="Registry"
        name="registry-host"
        required
        value={host}
        onChange={setHost}
        hint="host[:port] as image names start with it: ghcr.io, registry.example.com:5000, docker.io"
        error={fieldError(save.error, 'host')}
      />
      <TextField
        label="Username"
        name="registry-username"
        required
        value={username}
        onChange={setUsername}
        error={fieldError(save.error, 'username')}
      />
      <TextField
        label="Password or token"
        name="registry-password"
        type="password"
        autoComplete="off"
        required
        value={password}
        onChange={setPassword}
        hint="Stored encrypted; never shown again."
      />
      <ErrorNotice error={save.error} />
      <button type="submit" aria-busy={save.isPending} disabled={save.isPending}>
        Save login
      </button>
    </form>
  )
}

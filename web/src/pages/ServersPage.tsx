import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useAbility } from '../api/abilities'
import { call } from '../api/client'
import { useServers } from '../api/queries'
import type { Server, ServerState } from '../api/admin-types'
import '../admin.css'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { DataTable, RowButton } from '../components/DataTable'
import { errorWithCode, Field, fieldError, TextField } from '../components/Field'
import { ErrorNotice, formatDisk, formatTime } from '../components/Notice'
import { QueryState } from '../components/QueryState'

const LOCAL_SOCKET = 'unix:///var/run/docker.sock'

function stateText(state: ServerState | null | undefined): string {
  if (!state) return 'not checked yet'
  if (!state.reachable) return `unreachable: ${state.error ?? 'no answer'}`
  const disk = state.disk ? `, ${formatDisk(state.disk)}` : ''
  return `Docker ${state.engine_version ?? '?'}${state.compose_version ? `, Compose ${state.compose_version}` : ''}, ${state.containers_running ?? 0} running${disk}`
}

export function ServersPage() {
  const queryClient = useQueryClient()
  const mayWrite = useAbility('write')
  const isInstanceAdmin = useAbility('instance')
  // Shared servers are the instance administrators'; a team changes only its own.
  const mayChange = (s: Server) => mayWrite && (!s.shared || isInstanceAdmin)
  const servers = useServers()
  const [results, setResults] = useState<Record<string, ServerState>>({})
  const [removing, setRemoving] = useState<Server | null>(null)
  const check = useMutation({
    mutationFn: (server: Server) => call<ServerState>('checkServer', { params: { uuid: server.uuid } }),
    onSuccess: (state, server) => setResults((r) => ({ ...r, [server.uuid]: state })),
  })
  const remove = useMutation({
    mutationFn: (server: Server) => call('deleteServer', { params: { uuid: server.uuid } }),
    onSuccess: async () => {
      setRemoving(null)
      await queryClient.invalidateQueries({ queryKey: ['servers'] })
    },
  })

  return (
    <section>
      <h1>Servers</h1>
      <p className="muted">Docker engines Berth deploys to. Shared servers serve every team.</p>
      <QueryState query={servers} what="servers">
        {(data) => (
          <DataTable
            label="Servers"
            rows={data.servers}
            rowKey={(s) => s.uuid}
            empty="No servers."
            columns={[
              {
                header: 'Name',
                cell: (s) => (
                  <>
                    {s.name} {s.shared && <small className="badge">shared</small>}
                  </>
                ),
              },
              {
                header: 'Docker host',
                cell: (s) => (
                  <>
                    <code>{s.docker_host}</code> {s.has_private_key && <small className="badge">key stored</small>}
                  </>
                ),
              },
              {
                header: 'State',
                cell: (s) => {
                  const state = results[s.uuid] ?? s.state
                  return (
                    <span
                      role="status"
                      data-testid={`server-state-${s.name}`}
                      className={state && !state.reachable ? 'field-error' : undefined}
                    >
                      {stateText(state)}
                      {state && <small className="muted"> · {formatTime(state.checked_at)}</small>}
                    </span>
                  )
                },
              },
            ]}
            actions={
              mayWrite
                ? (s) =>
                    mayChange(s) && (
                      <>
                        <RowButton
                          label="Check"
                          target={s.name}
                          busy={check.isPending && check.variables?.uuid === s.uuid}
                          onClick={() => check.mutate(s)}
                        />{' '}
                        <RowButton label="Remove" target={s.name} secondary onClick={() => setRemoving(s)} />
                      </>
                    )
                : undefined
            }
          />
        )}
      </QueryState>
      <ErrorNotice error={check.error ?? remove.error} />
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.name ?? ''}?`}
        confirmLabel="Remove server"
        onConfirm={() => removing && remove.mutate(removing)}
        onCancel={() => setRemoving(null)}
      >
        <p>Berth stops deploying to it. Nothing that runs there is stopped.</p>
      </ConfirmDialog>
      {mayWrite && <AddServer />}
    </section>
  )
}

const EMPTY = { name: '', kind: 'ssh' as 'local' | 'ssh', sshHost: '', privateKey: '' }

function AddServer() {
  const queryClient = useQueryClient()
  const [form, setForm] = useState(EMPTY)
  const create = useMutation({
    mutationFn: () =>
      call<Server>('createServer', {
        body:
          form.kind === 'local'
            ? { name: form.name, docker_host: LOCAL_SOCKET }
            : { name: form.name, docker_host: form.sshHost, private_key: form.privateKey },
      }),
    // The key is cleared whatever the outcome: the form never holds on to it longer than one request.
    onSettled: () => setForm((f) => ({ ...f, privateKey: '' })),
    onSuccess: async () => {
      setForm(EMPTY)
      await queryClient.invalidateQueries({ queryKey: ['servers'] })
    },
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    create.mutate()
  }
  const hostError = fieldError(create.error, 'docker_host') ?? errorWithCode(create.error, ['invalid_docker_host'])
  const keyError =
    fieldError(create.error, 'private_key') ??
    errorWithCode(create.error, ['private_key_required', 'invalid_private_key'])
  return (
    <form onSubmit={submit} aria-labelledby="server-new">
      <h2 id="server-new">Add a server</h2>
      <TextField
        label="Server name"
        required
        maxLength={200}
        value={form.name}
        onChange={(v) => setForm({ ...form, name: v })}
        error={fieldError(create.error, 'name')}
      />
      <fieldset>
        <legend>Connection</legend>
        <label>
          <input
            type="radio"
            name="server-kind"
            checked={form.kind === 'local'}
            onChange={() => setForm({ ...form, kind: 'local' })}
          />
          This machine's Docker engine (<code>{LOCAL_SOCKET}</code>)
        </label>
        <label>
          <input
            type="radio"
            name="server-kind"
            checked={form.kind === 'ssh'}
            onChange={() => setForm({ ...form, kind: 'ssh' })}
          />
          Another machine over SSH
        </label>
      </fieldset>
      {form.kind === 'ssh' && (
        <>
          <TextField
            label="SSH address"
            required
            placeholder="ssh://deploy@203.0.113.7:22"
            value={form.sshHost}
            onChange={(v) => setForm({ ...form, sshHost: v })}
            error={hostError}
          />
          <Field label="Private key" error={keyError} hint="Stored encrypted; Berth never shows it again.">
            {(control) => (
              <textarea
                {...control}
                className="code-input secret-input"
                required
                rows={4}
                autoComplete="off"
                spellCheck={false}
                placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
                value={form.privateKey}
                onChange={(e) => setForm({ ...form, privateKey: e.target.value })}
              />
            )}
          </Field>
        </>
      )}
      {(form.kind === 'local' || (!hostError && !keyError)) && <ErrorNotice error={create.error} />}
      <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
        Add server
      </button>
    </form>
  )
}

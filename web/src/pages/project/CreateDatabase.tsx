import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { call } from '../../api/client'
import type { Database, DatabaseTypeInfo } from '../../api/admin-types'
import { errorWithCode, fieldError, TextField } from '../../components/Field'
import { ErrorNotice } from '../../components/Notice'
import { QueryState } from '../../components/QueryState'
import { ServerSelect } from '../../components/ServerSelect'
import { useProject } from '../../api/queries'

const EMPTY = { name: '', version: '', publicPort: '', description: '' }

/** A two-step wizard: pick one of the types the API offers, then name it and choose a version. */
export function CreateDatabase({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient()
  const types = useQuery({
    queryKey: ['database-types'],
    queryFn: () => call<{ types: DatabaseTypeInfo[] }>('databaseTypes'),
    staleTime: Infinity,
  })
  const [type, setType] = useState<DatabaseTypeInfo | null>(null)
  const [form, setForm] = useState(EMPTY)
  // null until chosen: the project's default server, preselected once the project is known.
  const [chosenServer, setServer] = useState<string | null>(null)
  const project = useProject(projectId)
  const server = chosenServer ?? project.data?.default_server_uuid ?? ''
  const create = useMutation({
    mutationFn: (chosen: DatabaseTypeInfo) =>
      call<Database>('createDatabase', {
        params: { uuid: projectId },
        body: {
          type: chosen.type,
          name: form.name,
          ...(form.version && { version: form.version }),
          ...(form.publicPort && { public_port: Number(form.publicPort) }),
          ...(form.description && { description: form.description }),
          ...(server && { server_uuid: server }),
        },
      }),
    onSuccess: async () => {
      setType(null)
      setForm(EMPTY)
      setServer(null)
      await queryClient.invalidateQueries({ queryKey: ['databases', projectId] })
    },
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    if (type) create.mutate(type)
  }
  const nameError = fieldError(create.error, 'name') ?? errorWithCode(create.error, ['invalid_name', 'name_taken'])
  const versionError =
    fieldError(create.error, 'version') ?? errorWithCode(create.error, ['invalid_version', 'invalid_image'])
  return (
    <details>
      <summary role="button" className="outline">
        New database
      </summary>
      {type === null ? (
        <fieldset aria-label="Database type">
          <legend>1. Choose a type</legend>
          <QueryState query={types} what="database types">
            {(data) => (
              <div className="type-grid">
                {data.types.map((t) => (
                  <button type="button" key={t.type} className="outline type-choice" onClick={() => setType(t)}>
                    <strong>{t.type}</strong>
                    <small>{t.default_image}</small>
                  </button>
                ))}
              </div>
            )}
          </QueryState>
        </fieldset>
      ) : (
        <form onSubmit={submit} aria-label={`New ${type.type} database`}>
          <p>
            2. Name your <strong>{type.type}</strong> database.{' '}
            <button type="button" className="outline secondary small" onClick={() => setType(null)}>
              Change type
            </button>
          </p>
          <div className="grid">
            <TextField
              label="Database name"
              required
              maxLength={63}
              pattern="[a-z0-9]([a-z0-9-]*[a-z0-9])?"
              value={form.name}
              onChange={(v) => setForm({ ...form, name: v })}
              error={nameError}
            />
            <TextField
              label="Version (image tag)"
              placeholder={type.default_version}
              hint={`default ${type.default_version}`}
              value={form.version}
              onChange={(v) => setForm({ ...form, version: v })}
              error={versionError}
            />
            <TextField
              label="Publish on host port (optional)"
              type="number"
              min={1}
              max={65535}
              value={form.publicPort}
              onChange={(v) => setForm({ ...form, publicPort: v })}
              error={fieldError(create.error, 'public_port')}
            />
          </div>
          <ServerSelect label="Server" value={server} onChange={setServer} />
          <TextField
            label="Database description"
            value={form.description}
            onChange={(v) => setForm({ ...form, description: v })}
          />
          {!nameError && !versionError && <ErrorNotice error={create.error} />}
          <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
            Create database
          </button>
        </form>
      )}
    </details>
  )
}

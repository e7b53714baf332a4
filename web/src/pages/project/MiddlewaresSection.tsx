import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useAbility } from '../../api/abilities'
import { ApiError, call } from '../../api/client'
import { MIDDLEWARE_TYPES, type Middleware, type MiddlewareType } from '../../api/proxy-types'
import { DataTable, RowButton } from '../../components/DataTable'
import { Field, fieldError, TextField } from '../../components/Field'
import { ErrorNotice } from '../../components/Notice'
import { QueryState } from '../../components/QueryState'
import { MIDDLEWARE_EXAMPLES } from './middleware-examples'

export function useMiddlewares(projectId: string) {
  return useQuery({
    queryKey: ['middlewares', projectId],
    queryFn: () => call<{ middlewares: Middleware[] }>('middlewares', { params: { uuid: projectId } }),
  })
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2)

/** The project's middlewares: routes pick from these. */
export function MiddlewaresSection({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient()
  const middlewares = useMiddlewares(projectId)
  const mayWrite = useAbility('write')
  const remove = useMutation({
    mutationFn: (id: string) => call('deleteMiddleware', { params: { id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['middlewares', projectId] }),
  })
  return (
    <section aria-labelledby="middlewares-title">
      <h2 id="middlewares-title">Middlewares</h2>
      <QueryState query={middlewares} what="middlewares">
        {(data) => (
          <DataTable
            label="Middlewares"
            rows={data.middlewares}
            rowKey={(m) => m.id}
            empty="No middlewares yet."
            columns={[
              { header: 'Name', cell: (m) => <code>{m.name}</code> },
              { header: 'Type', cell: (m) => m.type },
              { header: 'Config', cell: (m) => <code className="config-summary">{JSON.stringify(m.config)}</code> },
            ]}
            actions={
              mayWrite
                ? (m) => <RowButton label="Delete" target={m.name} secondary onClick={() => remove.mutate(m.id)} />
                : undefined
            }
          />
        )}
      </QueryState>
      <ErrorNotice error={remove.error} />
      {mayWrite && <CreateMiddleware projectId={projectId} />}
    </section>
  )
}

function CreateMiddleware({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient()
  const [name, setName] = useState('')
  const [type, setType] = useState<MiddlewareType>('redirect-scheme')
  const [config, setConfig] = useState(pretty(MIDDLEWARE_EXAMPLES['redirect-scheme']))
  const [notJson, setNotJson] = useState(false)
  const create = useMutation({
    mutationFn: (parsed: unknown) =>
      call<Middleware>('createMiddleware', { params: { uuid: projectId }, body: { name, type, config: parsed } }),
    onSuccess: async () => {
      setName('')
      await queryClient.invalidateQueries({ queryKey: ['middlewares', projectId] })
    },
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    let parsed: unknown
    try {
      parsed = JSON.parse(config)
    } catch {
      // Nothing to send: the field says what is wrong.
      setNotJson(true)
      return
    }
    create.mutate(parsed)
  }
  function chooseType(next: MiddlewareType) {
    setType(next)
    setConfig(pretty(MIDDLEWARE_EXAMPLES[next]))
  }
  const configProblems =
    create.error instanceof ApiError ? create.error.issues.filter((i) => i.path.startsWith('config')) : []
  return (
    <details>
      <summary role="button" className="outline">
        New middleware
      </summary>
      <form onSubmit={submit} aria-label="New middleware" className="proxy-form">
        <div className="grid">
          <TextField
            label="Middleware name"
            required
            pattern="[a-z0-9]([a-z0-9-]*[a-z0-9])?"
            value={name}
            onChange={setName}
            error={fieldError(create.error, 'name')}
          />
          <Field label="Type">
            {(control) => (
              <select {...control} value={type} onChange={(e) => chooseType(e.target.value as MiddlewareType)}>
                {MIDDLEWARE_TYPES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field
          label="Config (JSON, Traefik's key names)"
          error={
            notJson
              ? 'This is not valid JSON.'
              : configProblems.map((i) => `${i.path}: ${i.message}`).join('; ') || undefined
          }
        >
          {(control) => (
            <textarea
              {...control}
              className="code-input"
              rows={6}
              spellCheck={false}
              value={config}
              onChange={(e) => {
                setNotJson(false)
                setConfig(e.target.value)
              }}
            />
          )}
        </Field>
        {configProblems.length === 0 && !fieldError(create.error, 'name') && <ErrorNotice error={create.error} />}
        <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
          Add middleware
        </button>
      </form>
    </details>
  )
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useAbility } from '../../api/abilities'
import { call } from '../../api/client'
import type { ParameterList, ParameterType } from '../../api/types'
import { DataTable, RowButton } from '../../components/DataTable'
import { ErrorNotice, Loading, SuccessNotice } from '../../components/Notice'

/** Turns the text of the form into the typed value the API expects. */
function parseValue(type: ParameterType, text: string): unknown {
  if (type === 'integer') return Number.parseInt(text, 10)
  if (type === 'boolean') return text === 'true'
  if (type === 'json') return JSON.parse(text)
  return text
}

function showValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

export function ParametersTab({ serviceId }: { serviceId: string }) {
  const queryClient = useQueryClient()
  const mayWrite = useAbility('write')
  const params = useQuery({
    queryKey: ['parameters', serviceId],
    queryFn: () => call<ParameterList>('parameters', { params: { uuid: serviceId } }),
  })
  const [form, setForm] = useState<{ name: string; type: ParameterType; value: string }>({
    name: '',
    type: 'string',
    value: '',
  })
  const [saved, setSaved] = useState<string | null>(null)
  const [invalid, setInvalid] = useState(false)

  const change = useMutation({
    mutationFn: (parameters: Record<string, { type: ParameterType; value: unknown } | null>) =>
      call<ParameterList>('setParameters', {
        params: { uuid: serviceId },
        body: { parameters, base_version: params.data?.version },
      }),
    onSuccess: async (data) => {
      setSaved(`Saved as compose version ${data.version}.`)
      setForm({ name: '', type: 'string', value: '' })
      await queryClient.invalidateQueries({ predicate: (q) => q.queryKey[1] === serviceId })
    },
  })

  function submit(event: FormEvent) {
    event.preventDefault()
    let value: unknown
    try {
      value = parseValue(form.type, form.value)
    } catch {
      setSaved(null)
      setInvalid(true)
      return
    }
    change.mutate({ [form.name]: { type: form.type, value } })
  }

  if (params.isPending) return <Loading what="parameters" />
  if (params.error) return <ErrorNotice error={params.error} />
  return (
    <section aria-labelledby="params-title">
      <h2 id="params-title">Parameters</h2>
      <p className="muted">
        The compose file uses them as <code>{'{{berth.NAME}}'}</code>. Each change saves a new compose version.
      </p>
      <DataTable
        label="Parameters"
        rows={params.data.parameters}
        rowKey={(p) => p.name}
        empty="No parameters yet."
        columns={[
          { header: 'Name', cell: (p) => <code>{p.name}</code> },
          { header: 'Type', cell: (p) => p.type },
          { header: 'Value', cell: (p) => <code>{showValue(p.value)}</code> },
        ]}
        actions={
          mayWrite
            ? (p) => (
                <>
                  <RowButton
                    label="Edit"
                    target={p.name}
                    onClick={() => setForm({ name: p.name, type: p.type, value: showValue(p.value) })}
                  />{' '}
                  <RowButton
                    label="Remove"
                    target={p.name}
                    secondary
                    onClick={() => change.mutate({ [p.name]: null })}
                  />
                </>
              )
            : undefined
        }
      />
      {mayWrite && (
        <form onSubmit={submit} aria-labelledby="param-set">
          <h3 id="param-set">Set a parameter</h3>
          <div className="grid">
            <label>
              Name
              <input
                name="param-name"
                required
                pattern="[A-Za-z_][A-Za-z0-9_]*"
                value={form.name}
                onChange={(e) => setForm({ ...form, name: e.target.value })}
              />
            </label>
            <label>
              Type
              <select
                name="param-type"
                value={form.type}
                onChange={(e) => setForm({ ...form, type: e.target.value as ParameterType })}
              >
                <option value="string">string</option>
                <option value="integer">integer</option>
                <option value="boolean">boolean</option>
                <option value="json">JSON</option>
              </select>
            </label>
            <label>
              Value
              {form.type === 'boolean' ? (
                <select
                  name="param-value"
                  value={form.value || 'false'}
                  onChange={(e) => setForm({ ...form, value: e.target.value })}
                >
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : (
                <input
                  name="param-value"
                  inputMode={form.type === 'integer' ? 'numeric' : undefined}
                  value={form.value}
                  onChange={(e) => {
                    setInvalid(false)
                    setForm({ ...form, value: e.target.value })
                  }}
                  aria-invalid={invalid || undefined}
                />
              )}
            </label>
          </div>
          {invalid && (
            <p role="alert" className="notice notice-error">
              The value is not valid JSON.
            </p>
          )}
          <ErrorNotice error={change.error} />
          <SuccessNotice>{saved}</SuccessNotice>
          <button type="submit" aria-busy={change.isPending} disabled={change.isPending}>
            Save parameter
          </button>
        </form>
      )}
    </section>
  )
}

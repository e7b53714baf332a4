import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useAbility } from '../../api/abilities'
import { call } from '../../api/client'
import type { EnvList } from '../../api/types'
import { DataTable, RowButton } from '../../components/DataTable'
import { ErrorNotice, formatTime, Loading } from '../../components/Notice'
import { SecretValue } from '../../components/SecretValue'

export function EnvTab({ serviceId }: { serviceId: string }) {
  const queryClient = useQueryClient()
  const mayWrite = useAbility('write')
  const key = ['env', serviceId]
  const env = useQuery({ queryKey: key, queryFn: () => call<EnvList>('env', { params: { uuid: serviceId } }) })
  const [form, setForm] = useState({ key: '', value: '', secret: true })

  const put = useMutation({
    mutationFn: () =>
      call<EnvList>('setEnv', {
        params: { uuid: serviceId },
        body: { [form.key]: { value: form.value, secret: form.secret } },
      }),
    onSuccess: (data) => {
      queryClient.setQueryData(key, data)
      setForm({ key: '', value: '', secret: true })
    },
  })
  const remove = useMutation({
    mutationFn: (name: string) => call('deleteEnv', { params: { uuid: serviceId, key: name } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  })

  function submit(event: FormEvent) {
    event.preventDefault()
    put.mutate()
  }

  if (env.isPending) return <Loading what="environment variables" />
  if (env.error) return <ErrorNotice error={env.error} />
  const entries = Object.entries(env.data.env).sort(([a], [b]) => a.localeCompare(b))
  return (
    <section aria-labelledby="env-title">
      <h2 id="env-title">Environment variables</h2>
      <DataTable
        label="Environment variables"
        rows={entries}
        rowKey={([name]) => name}
        empty="No variables yet."
        columns={[
          {
            header: 'Name',
            cell: ([name, v]) => (
              <>
                <code>{name}</code> {v.secret && <small className="badge">secret</small>}
              </>
            ),
          },
          {
            header: 'Value',
            cell: ([name, v]) =>
              v.secret ? (
                <SecretValue name={name} value={v.value} available={!v.masked} testId={`env-value-${name}`} />
              ) : (
                <code>{v.value}</code>
              ),
          },
          { header: 'Updated', cell: ([, v]) => formatTime(v.updated_at) },
        ]}
        actions={
          mayWrite
            ? ([name]) => <RowButton label="Delete" target={name} secondary onClick={() => remove.mutate(name)} />
            : undefined
        }
      />
      <ErrorNotice error={remove.error} />
      {mayWrite && (
        <form onSubmit={submit} aria-labelledby="env-add">
          <h3 id="env-add">Set a variable</h3>
          <div className="grid">
            <label>
              Name
              <input
                name="env-key"
                required
                pattern="[A-Za-z_][A-Za-z0-9_]*"
                value={form.key}
                onChange={(e) => setForm({ ...form, key: e.target.value })}
              />
            </label>
            <label>
              Value
              <input
                name="env-value"
                type={form.secret ? 'password' : 'text'}
                autoComplete="off"
                value={form.value}
                onChange={(e) => setForm({ ...form, value: e.target.value })}
              />
            </label>
          </div>
          <label>
            <input
              type="checkbox"
              role="switch"
              checked={form.secret}
              onChange={(e) => setForm({ ...form, secret: e.target.checked })}
            />
            Secret (stored encrypted, shown masked)
          </label>
          <ErrorNotice error={put.error} />
          <button type="submit" aria-busy={put.isPending} disabled={put.isPending}>
            Save variable
          </button>
        </form>
      )}
    </section>
  )
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { call } from '../../api/client'
import type { EnvList } from '../../api/types'
import { ErrorNotice, formatTime, Loading } from '../../components/Notice'

const MASK = '••••••••'

export function EnvTab({ serviceId }: { serviceId: string }) {
  const queryClient = useQueryClient()
  const key = ['env', serviceId]
  const env = useQuery({ queryKey: key, queryFn: () => call<EnvList>('env', { params: { uuid: serviceId } }) })
  const [revealed, setRevealed] = useState<Set<string>>(new Set())
  const [form, setForm] = useState({ key: '', value: '', secret: true })

  const put = useMutation({
    mutationFn: () => call<EnvList>('setEnv', { params: { uuid: serviceId }, body: { [form.key]: { value: form.value, secret: form.secret } } }),
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
  function toggle(name: string) {
    const next = new Set(revealed)
    if (!next.delete(name)) next.add(name)
    setRevealed(next)
  }

  if (env.isPending) return <Loading what="environment variables" />
  if (env.error) return <ErrorNotice error={env.error} />
  const entries = Object.entries(env.data.env).sort(([a], [b]) => a.localeCompare(b))
  return (
    <section aria-labelledby="env-title">
      <h2 id="env-title">Environment variables</h2>
      {entries.length === 0 ? (
        <p>No variables yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Value</th>
                <th scope="col">Updated</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map(([name, v]) => (
                <tr key={name}>
                  <td>
                    <code>{name}</code> {v.secret && <small className="badge">secret</small>}
                  </td>
                  <td>
                    {!v.secret ? (
                      <code>{v.value}</code>
                    ) : v.masked ? (
                      <span title="Revealing secrets needs the read:sensitive ability">{MASK}</span>
                    ) : (
                      <>
                        <code data-testid={`env-value-${name}`}>{revealed.has(name) ? v.value : MASK}</code>{' '}
                        <button type="button" className="outline small" aria-pressed={revealed.has(name)} onClick={() => toggle(name)}>
                          {revealed.has(name) ? 'Hide' : 'Reveal'} <span className="visually-hidden">{name}</span>
                        </button>
                      </>
                    )}
                  </td>
                  <td>{formatTime(v.updated_at)}</td>
                  <td>
                    <button type="button" className="outline secondary small" onClick={() => remove.mutate(name)}>
                      Delete <span className="visually-hidden">{name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorNotice error={remove.error} />
      <form onSubmit={submit} aria-labelledby="env-add">
        <h3 id="env-add">Set a variable</h3>
        <div className="grid">
          <label>
            Name
            <input name="env-key" required pattern="[A-Za-z_][A-Za-z0-9_]*" value={form.key} onChange={(e) => setForm({ ...form, key: e.target.value })} />
          </label>
          <label>
            Value
            <input name="env-value" type={form.secret ? 'password' : 'text'} autoComplete="off" value={form.value} onChange={(e) => setForm({ ...form, value: e.target.value })} />
          </label>
        </div>
        <label>
          <input type="checkbox" role="switch" checked={form.secret} onChange={(e) => setForm({ ...form, secret: e.target.checked })} />
          Secret (stored encrypted, shown masked)
        </label>
        <ErrorNotice error={put.error} />
        <button type="submit" aria-busy={put.isPending} disabled={put.isPending}>
          Save variable
        </button>
      </form>
    </section>
  )
}

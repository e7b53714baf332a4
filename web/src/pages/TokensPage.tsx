import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { ABILITIES, useAbility } from '../api/abilities'
import { call } from '../api/client'
import type { CreatedToken, Token } from '../api/types'
import { DataTable, RowButton } from '../components/DataTable'
import { ErrorNotice, formatTime, Loading } from '../components/Notice'

export function TokensPage() {
  const queryClient = useQueryClient()
  const mayWrite = useAbility('write')
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => call<{ tokens: Token[] }>('tokens') })
  const [name, setName] = useState('')
  const [abilities, setAbilities] = useState<Set<string>>(new Set(['read']))
  const [secret, setSecret] = useState<string | null>(null)

  const create = useMutation({
    mutationFn: () => call<CreatedToken>('createToken', { body: { name, abilities: [...abilities] } }),
    onSuccess: async (created) => {
      setSecret(created.token)
      setName('')
      await queryClient.invalidateQueries({ queryKey: ['tokens'] })
    },
  })
  const revoke = useMutation({
    mutationFn: (id: string) => call('revokeToken', { params: { id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tokens'] }),
  })

  function submit(event: FormEvent) {
    event.preventDefault()
    create.mutate()
  }
  function toggle(ability: string) {
    const next = new Set(abilities)
    if (!next.delete(ability)) next.add(ability)
    setAbilities(next)
  }

  return (
    <section>
      <h1>API tokens</h1>
      {secret && (
        <article className="token-secret" role="status">
          <p>
            <strong>Copy the token now: it is not shown again.</strong>
          </p>
          <pre>
            <code>{secret}</code>
          </pre>
          <div className="button-row">
            <button type="button" className="outline" onClick={() => void navigator.clipboard?.writeText(secret)}>
              Copy
            </button>
            <button type="button" className="secondary" onClick={() => setSecret(null)}>
              Done
            </button>
          </div>
        </article>
      )}
      {tokens.isPending ? (
        <Loading what="tokens" />
      ) : tokens.error ? (
        <ErrorNotice error={tokens.error} />
      ) : (
        <DataTable
          label="Active tokens"
          rows={tokens.data.tokens}
          rowKey={(t) => t.id}
          empty="No active tokens."
          columns={[
            { header: 'Name', cell: (t) => t.name },
            { header: 'Prefix', cell: (t) => <code>{t.prefix}…</code> },
            { header: 'Abilities', cell: (t) => t.abilities.join(', ') },
            { header: 'Last used', cell: (t) => formatTime(t.last_used_at) },
          ]}
          actions={
            mayWrite
              ? (t) => <RowButton label="Revoke" target={t.name} secondary onClick={() => revoke.mutate(t.id)} />
              : undefined
          }
        />
      )}
      <ErrorNotice error={revoke.error} />
      {mayWrite && (
        <form onSubmit={submit} aria-labelledby="token-new">
          <h2 id="token-new">New token</h2>
          <label>
            Token name
            <input name="token-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <fieldset>
            <legend>Abilities</legend>
            {ABILITIES.map((a) => (
              <label key={a}>
                <input type="checkbox" checked={abilities.has(a)} onChange={() => toggle(a)} />
                {a}
              </label>
            ))}
          </fieldset>
          <ErrorNotice error={create.error} />
          <button type="submit" aria-busy={create.isPending} disabled={create.isPending || abilities.size === 0}>
            Create token
          </button>
        </form>
      )}
    </section>
  )
}

import { useState } from 'react'
import { call } from '../../api/client'
import type { Domain, DomainInput, PreviewChange } from '../../api/proxy-types'
import { fieldError, TextField } from '../../components/Field'
import { ErrorNotice } from '../../components/Notice'
import { PreviewPanel, SaveButtons, useProxyChange } from './ProxyPreview'

type Props = { projectId: string; domain?: Domain; onDone: () => void }

/** Adds a domain to the project, or changes one, with a live preview of the generated file. */
export function DomainForm({ projectId, domain, onDone }: Props) {
  const [form, setForm] = useState<DomainInput>({
    domain: domain?.domain ?? '',
    subdomain: domain?.subdomain ?? null,
    tls: domain?.tls ?? true,
    active: domain?.active ?? true,
  })
  const data: DomainInput = { ...form, subdomain: form.subdomain || null }
  const change: PreviewChange | null = !form.domain
    ? null
    : domain
      ? { op: 'update_domain', id: domain.id, data }
      : { op: 'create_domain', project: projectId, data }
  const state = useProxyChange(
    change,
    () =>
      domain
        ? call<Domain>('updateDomain', { params: { id: domain.id }, body: data })
        : call<Domain>('createDomain', { params: { uuid: projectId }, body: data }),
    ['domains', projectId],
    onDone,
  )
  const { problem } = state
  const title = domain ? `Edit ${domain.full_domain}` : 'New domain'
  return (
    <form onSubmit={state.submit} aria-label={title} className="proxy-form">
      <h3>{title}</h3>
      <div className="grid">
        <TextField
          label="Domain"
          name="domain"
          required
          placeholder="example.com"
          value={form.domain}
          onChange={(v) => setForm({ ...form, domain: v })}
          error={fieldError(problem, 'domain')}
        />
        <TextField
          label="Subdomain (optional)"
          name="subdomain"
          placeholder="www.example.com"
          value={form.subdomain ?? ''}
          onChange={(v) => setForm({ ...form, subdomain: v })}
          error={fieldError(problem, 'subdomain')}
        />
      </div>
      <label>
        <input
          type="checkbox"
          role="switch"
          checked={form.tls}
          onChange={(e) => setForm({ ...form, tls: e.target.checked })}
        />
        HTTPS (certificate from the default resolver)
      </label>
      <label>
        <input
          type="checkbox"
          role="switch"
          checked={form.active}
          onChange={(e) => setForm({ ...form, active: e.target.checked })}
        />
        Active
      </label>
      <PreviewPanel preview={state.preview} />
      {!fieldError(problem, 'domain') && !fieldError(problem, 'subdomain') && (
        <ErrorNotice error={state.mutation.error} />
      )}
      <SaveButtons label={domain ? 'Save domain' : 'Add domain'} state={state} onCancel={onDone} />
    </form>
  )
}

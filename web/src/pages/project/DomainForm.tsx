import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useAbility } from '../../api/abilities'
import type { Settings } from '../../api/admin-types'
import { call } from '../../api/client'
import type { Domain, DomainInput, PreviewChange, TlsMode } from '../../api/proxy-types'
import { Field, fieldError, TextField } from '../../components/Field'
import { ErrorNotice } from '../../components/Notice'
import { QueryState } from '../../components/QueryState'
import { PreviewPanel, SaveButtons, useProxyChange } from './ProxyPreview'

type Props = { projectId: string; domain?: Domain; onDone: () => void }

const TLS_CHOICES: Record<TlsMode, string> = {
  none: 'No: HTTP only',
  acme: "Yes: a Let's Encrypt certificate",
  internal: "Yes: the proxy's own certificate (for hosts that are not public)",
}

/** Adds a domain to the project, or changes one, with a live preview of the generated file. */
export function DomainForm(props: Props) {
  // A new domain's TLS starts from what the server would choose: ACME only when the e-mail is set.
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => call<Settings>('settings') })
  return (
    <QueryState query={settings} what="settings">
      {(data) => <DomainFields {...props} acmeEmail={data.letsencrypt_email} />}
    </QueryState>
  )
}

function DomainFields({ projectId, domain, onDone, acmeEmail }: Props & { acmeEmail: string | null }) {
  const [form, setForm] = useState<DomainInput>({
    domain: domain?.domain ?? '',
    subdomain: domain?.subdomain ?? null,
    tls_mode: domain?.tls_mode ?? (acmeEmail ? 'acme' : 'none'),
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
  const needsEmail = form.tls_mode === 'acme' && !acmeEmail
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
      <Field label="HTTPS" error={needsEmail ? undefined : fieldError(problem, 'tls_mode')}>
        {(control) => (
          <select
            {...control}
            value={form.tls_mode}
            onChange={(e) => setForm({ ...form, tls_mode: e.target.value as TlsMode })}
          >
            {Object.entries(TLS_CHOICES).map(([mode, label]) => (
              <option key={mode} value={mode}>
                {label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {needsEmail && <AcmeEmailPrompt />}
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

/**
 * Let's Encrypt needs the instance's ACME e-mail before a first certificate: an instance
 * administrator sets it right here; anyone else is told who can.
 */
function AcmeEmailPrompt() {
  const queryClient = useQueryClient()
  const mayChange = useAbility('instance')
  const [email, setEmail] = useState('')
  const save = useMutation({
    mutationFn: () => call<Settings>('saveSettings', { body: { letsencrypt_email: email } }),
    onSuccess: async (saved) => {
      queryClient.setQueryData(['settings'], saved)
      // The preview asked before the e-mail existed; its answer changes now.
      await queryClient.invalidateQueries({ queryKey: ['proxy-preview'] })
    },
  })
  if (!mayChange)
    return (
      <p role="status" className="notice">
        Let's Encrypt certificates need the instance's ACME e-mail, which is not set yet: an instance administrator must
        set it in Settings. Until then, choose the proxy's own certificate or HTTP only.
      </p>
    )
  return (
    <fieldset className="notice" aria-label="Let's Encrypt e-mail for this instance">
      <p>
        This is the first domain with a Let's Encrypt certificate: Let's Encrypt needs an e-mail address for this
        instance (it writes there about expiring certificates). It is set once, for every domain.
      </p>
      <TextField
        label="Let's Encrypt e-mail"
        type="email"
        name="letsencrypt_email"
        value={email}
        onChange={setEmail}
        onKeyDown={(e) => {
          // Enter sets the e-mail; it must not submit the domain form around it.
          if (e.key !== 'Enter') return
          e.preventDefault()
          if (email) save.mutate()
        }}
        error={fieldError(save.error, 'letsencrypt_email')}
      />
      {!fieldError(save.error, 'letsencrypt_email') && <ErrorNotice error={save.error} />}
      <button
        type="button"
        disabled={!email || save.isPending}
        aria-busy={save.isPending}
        onClick={() => save.mutate()}
      >
        Set e-mail
      </button>
    </fieldset>
  )
}

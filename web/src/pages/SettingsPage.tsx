import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { useAbility } from '../api/abilities'
import { call } from '../api/client'
import type { Settings } from '../api/admin-types'
import '../admin.css'
import { Field, fieldError, TextField } from '../components/Field'
import { ErrorNotice, SuccessNotice } from '../components/Notice'
import { QueryState } from '../components/QueryState'

export function SettingsPage() {
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => call<Settings>('settings') })
  return (
    <section>
      <h1>Settings</h1>
      <p className="muted">Instance-wide: they shape the proxy configuration of every team.</p>
      {useAbility('instance') && (
        <p>
          <Link to="/instance/notifications">Instance notifications</Link>: the channels told when a server stops
          answering or the proxy fails.
        </p>
      )}
      <QueryState query={settings} what="settings">
        {(data) => <SettingsForm saved={data} />}
      </QueryState>
    </section>
  )
}

function SettingsForm({ saved }: { saved: Settings }) {
  const queryClient = useQueryClient()
  const mayChange = useAbility('instance')
  const [form, setForm] = useState({ ...saved, letsencrypt_email: saved.letsencrypt_email ?? '' })
  const save = useMutation({
    mutationFn: () =>
      call<Settings>('saveSettings', {
        body: {
          proxy: form.proxy,
          letsencrypt_email: form.letsencrypt_email || null,
          default_cert_resolver: form.default_cert_resolver,
          http_to_https_redirect: form.http_to_https_redirect,
        },
      }),
    onSuccess: (data) => queryClient.setQueryData(['settings'], data),
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    save.mutate()
  }
  const fieldProblem = ['letsencrypt_email', 'default_cert_resolver', 'proxy'].some((f) => fieldError(save.error, f))
  return (
    <form onSubmit={submit} aria-label="Instance settings">
      {!mayChange && (
        <p role="status" className="notice">
          You can read these settings; only instance administrators change them.
        </p>
      )}
      <fieldset disabled={!mayChange}>
        <TextField
          label="Let's Encrypt e-mail"
          type="email"
          name="letsencrypt_email"
          hint="Certificates are requested only when this is set."
          value={form.letsencrypt_email}
          onChange={(v) => setForm({ ...form, letsencrypt_email: v })}
          error={fieldError(save.error, 'letsencrypt_email')}
        />
        <TextField
          label="Default certificate resolver"
          required
          value={form.default_cert_resolver}
          onChange={(v) => setForm({ ...form, default_cert_resolver: v })}
          error={fieldError(save.error, 'default_cert_resolver')}
        />
        <Field label="Reverse proxy" error={fieldError(save.error, 'proxy')}>
          {(control) => (
            <select
              {...control}
              value={form.proxy}
              onChange={(e) => setForm({ ...form, proxy: e.target.value as Settings['proxy'] })}
            >
              <option value="traefik">Traefik (files)</option>
              <option value="caddy">Caddy (admin API)</option>
            </select>
          )}
        </Field>
        <label>
          <input
            type="checkbox"
            role="switch"
            checked={form.http_to_https_redirect}
            onChange={(e) => setForm({ ...form, http_to_https_redirect: e.target.checked })}
          />
          Redirect HTTP to HTTPS
        </label>
        {!fieldProblem && <ErrorNotice error={save.error} />}
        {save.isSuccess && <SuccessNotice>Settings saved; the proxy files follow.</SuccessNotice>}
        <button type="submit" aria-busy={save.isPending}>
          Save settings
        </button>
      </fieldset>
    </form>
  )
}

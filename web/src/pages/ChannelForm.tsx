import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { call } from '../api/client'
import {
  CHANNEL_EVENTS,
  CHANNEL_TYPES,
  type ChannelEvent,
  type ChannelType,
  type NotificationChannel,
  type NotificationChannelCreated,
  SETTING_FIELDS,
  type SettingField,
} from '../api/notification-types'
import type { RouteName } from '../api/routes'
import { useProjects } from '../api/queries'
import { Field, fieldError } from '../components/Field'
import { ErrorNotice } from '../components/Notice'

/** The routes of the team's channels or of the instance's. */
export type ChannelRoutes = {
  key: string
  list: RouteName
  create: RouteName
  update: RouteName
  remove: RouteName
  test: RouteName
  deliveries: RouteName
  /** Team channels may name projects; instance channels hear no project. */
  projects: boolean
}

/** What the form holds for a setting: text as typed (a list joined by commas). */
function initialValues(channel: NotificationChannel | undefined): Record<string, string> {
  if (!channel) return { security: 'starttls', port: '587' }
  return Object.fromEntries(
    Object.entries(channel.settings).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]),
  )
}

/** The body's settings: what was typed, converted; an empty field is left out (on edit: kept as it was). */
function settingsBody(fields: SettingField[], values: Record<string, string>): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const f of fields) {
    const v = (values[f.key] ?? '').trim()
    if (v === '') continue
    body[f.key] =
      f.kind === 'number'
        ? Number(v)
        : f.kind === 'list'
          ? v
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean)
          : v
  }
  return body
}

/** Adds a channel, or changes one (`editing`): its settings by type, events, projects, enabled. */
export function ChannelForm({
  routes,
  editing,
  onDone,
}: {
  routes: ChannelRoutes
  editing?: NotificationChannel
  onDone?: () => void
}) {
  const queryClient = useQueryClient()
  const [name, setName] = useState(editing?.name ?? '')
  const [type, setType] = useState<ChannelType>(editing?.type ?? 'slack')
  const [values, setValues] = useState<Record<string, string>>(initialValues(editing))
  const [events, setEvents] = useState<Set<ChannelEvent>>(
    new Set(editing?.events ?? ['deployment.failed', 'deployment.recovered']),
  )
  const [projectIds, setProjectIds] = useState<Set<string>>(new Set(editing?.project_ids ?? []))
  const [enabled, setEnabled] = useState(editing?.enabled ?? true)
  const [secret, setSecret] = useState<string | null>(null)
  const projects = useProjects(routes.projects)
  const fields = SETTING_FIELDS[type]
  const save = useMutation({
    mutationFn: () => {
      const rule = {
        name,
        events: CHANNEL_EVENTS.map((e) => e.value).filter((e) => events.has(e)),
        ...(routes.projects && { project_ids: projectIds.size > 0 ? [...projectIds] : null }),
      }
      const settings = settingsBody(fields, values)
      return editing
        ? call<NotificationChannel>(routes.update, {
            params: { id: editing.id },
            body: { ...rule, ...settings, enabled },
          })
        : call<NotificationChannelCreated>(routes.create, { body: { ...rule, type, ...settings } })
    },
    onSuccess: async (saved) => {
      setSecret((saved as NotificationChannelCreated).signing_secret ?? null)
      if (!editing) {
        setName('')
        setValues(initialValues(undefined))
      }
      await queryClient.invalidateQueries({ queryKey: [routes.key] })
      onDone?.()
    },
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    save.mutate()
  }
  function toggle<T>(set: Set<T>, item: T, apply: (next: Set<T>) => void) {
    const next = new Set(set)
    if (!next.delete(item)) next.add(item)
    apply(next)
  }
  const heading = editing ? `Change channel ${editing.name}` : 'Add a channel'
  return (
    <form onSubmit={submit} aria-label={heading}>
      <h2>{heading}</h2>
      {secret && (
        <article className="token-secret" role="status">
          <p>
            <strong>The signing secret of the new webhook: copy it now, it is not shown again.</strong> Check the{' '}
            <code>X-Berth-Signature</code> header with it.
          </p>
          <pre>
            <code>{secret}</code>
          </pre>
          <button type="button" className="secondary" onClick={() => setSecret(null)}>
            Done
          </button>
        </article>
      )}
      <Field label="Channel name" error={fieldError(save.error, 'name')}>
        {(control) => (
          <input
            {...control}
            name="channel-name"
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        )}
      </Field>
      {!editing && (
        <Field label="Type">
          {(control) => (
            <select {...control} value={type} onChange={(e) => setType(e.target.value as ChannelType)}>
              {CHANNEL_TYPES.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {fields.map((f) => (
        <SettingInput
          key={`${type}-${f.key}`}
          field={f}
          editing={editing !== undefined}
          value={values[f.key] ?? ''}
          onChange={(v) => setValues({ ...values, [f.key]: v })}
          error={fieldError(save.error, f.key)}
        />
      ))}
      <fieldset>
        <legend>Events</legend>
        {CHANNEL_EVENTS.map((e) => (
          <label key={e.value}>
            <input type="checkbox" checked={events.has(e.value)} onChange={() => toggle(events, e.value, setEvents)} />
            {e.label}
          </label>
        ))}
      </fieldset>
      {routes.projects && (projects.data?.projects.length ?? 0) > 0 && (
        <fieldset>
          <legend>Projects (none chosen: every project)</legend>
          {projects.data!.projects.map((p) => (
            <label key={p.uuid}>
              <input
                type="checkbox"
                checked={projectIds.has(p.uuid)}
                onChange={() => toggle(projectIds, p.uuid, setProjectIds)}
              />
              {p.name}
            </label>
          ))}
        </fieldset>
      )}
      {editing && (
        <label>
          <input type="checkbox" checked={enabled} onChange={() => setEnabled(!enabled)} />
          Enabled
        </label>
      )}
      <ErrorNotice error={save.error} />
      <div className="button-row">
        <button type="submit" aria-busy={save.isPending} disabled={save.isPending}>
          {editing ? 'Save channel' : 'Add channel'}
        </button>
        {editing && (
          <button type="button" className="secondary" onClick={onDone}>
            Cancel
          </button>
        )}
      </div>
    </form>
  )
}

function SettingInput({
  field: f,
  editing,
  value,
  onChange,
  error,
}: {
  field: SettingField
  editing: boolean
  value: string
  onChange: (v: string) => void
  error: string | undefined
}) {
  // Stored secrets and URLs are never sent back: on edit an empty field keeps what is stored.
  const hidden = f.kind === 'secret' || f.kind === 'pem' || f.key === 'url'
  const hint = editing && hidden ? 'Left empty: unchanged.' : f.hint
  const required = f.required && !(editing && hidden)
  return (
    <Field label={f.label} error={error} hint={hint}>
      {(control) =>
        f.kind === 'security' ? (
          <select {...control} value={value} onChange={(e) => onChange(e.target.value)}>
            <option value="starttls">STARTTLS (required)</option>
            <option value="tls">TLS from the start</option>
          </select>
        ) : f.kind === 'pem' ? (
          <textarea {...control} rows={3} value={value} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input
            {...control}
            type={f.kind === 'secret' ? 'password' : f.kind === 'number' ? 'number' : f.kind === 'url' ? 'url' : 'text'}
            autoComplete="off"
            required={required}
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  )
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { useAbility } from '../api/abilities'
import { call } from '../api/client'
import {
  CHANNEL_EVENTS,
  CHANNEL_TYPES,
  type ChannelEvent,
  type ChannelType,
  type NotificationChannel,
  type NotificationChannelCreated,
  type NotificationChannelList,
  type NotificationDeliveryPage,
} from '../api/notification-types'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { DataTable, RowButton } from '../components/DataTable'
import { Field, fieldError, TextField } from '../components/Field'
import { ErrorNotice, formatTime, SuccessNotice } from '../components/Notice'
import { QueryState } from '../components/QueryState'

const PAGE = 20

/** The team's notification channels (team settings): add, remove, send a test, and the delivery log. */
export function NotificationsPage() {
  const mayManage = useAbility('members')
  return (
    <section>
      <p className="muted">
        <Link to="/team">Team</Link> / Notifications
      </p>
      <h1>Notifications</h1>
      <Channels mayManage={mayManage} />
      {mayManage ? <AddChannel /> : <p className="muted">Owners and admins of the team add and remove channels.</p>}
      <Deliveries />
    </section>
  )
}

function Channels({ mayManage }: { mayManage: boolean }) {
  const queryClient = useQueryClient()
  const channels = useQuery({
    queryKey: ['notification-channels'],
    queryFn: () => call<NotificationChannelList>('notificationChannels'),
  })
  const [removing, setRemoving] = useState<NotificationChannel | null>(null)
  const [tested, setTested] = useState<string | null>(null)
  const remove = useMutation({
    mutationFn: (c: NotificationChannel) => call('deleteNotificationChannel', { params: { id: c.id } }),
    onSuccess: async () => {
      setRemoving(null)
      await queryClient.invalidateQueries({ queryKey: ['notification-channels'] })
      await queryClient.invalidateQueries({ queryKey: ['notification-deliveries'] })
    },
  })
  const test = useMutation({
    mutationFn: (c: NotificationChannel) => call('testNotificationChannel', { params: { id: c.id } }),
    onSuccess: async (_, c) => {
      setTested(c.name)
      await queryClient.invalidateQueries({ queryKey: ['notification-deliveries'] })
    },
  })
  return (
    <>
      <h2>Channels</h2>
      <QueryState query={channels} what="channels">
        {(data) => (
          <DataTable
            label="Notification channels"
            rows={data.channels}
            rowKey={(c) => c.id}
            empty="No channels yet: nobody is told when a deployment fails."
            columns={[
              { header: 'Name', cell: (c) => c.name },
              { header: 'Type', cell: (c) => c.type },
              { header: 'URL', cell: (c) => <code>{c.url}</code> },
              { header: 'Events', cell: (c) => c.events.join(', ') || 'none' },
              { header: 'Enabled', cell: (c) => (c.enabled ? 'yes' : 'no') },
            ]}
            actions={
              mayManage
                ? (c) => (
                    <>
                      <RowButton label="Send test" target={c.name} onClick={() => test.mutate(c)} />
                      <RowButton label="Remove" target={c.name} secondary onClick={() => setRemoving(c)} />
                    </>
                  )
                : undefined
            }
          />
        )}
      </QueryState>
      {tested && (
        <SuccessNotice>Test message to {tested} queued: the delivery log below shows how it went.</SuccessNotice>
      )}
      <ErrorNotice error={test.error ?? remove.error} />
      <ConfirmDialog
        open={removing !== null}
        title={`Remove channel ${removing?.name ?? ''}?`}
        confirmLabel="Remove"
        onConfirm={() => removing && remove.mutate(removing)}
        onCancel={() => setRemoving(null)}
      >
        <p>Its queued messages and delivery log go with it.</p>
      </ConfirmDialog>
    </>
  )
}

function AddChannel() {
  const queryClient = useQueryClient()
  const [name, setName] = useState('')
  const [type, setType] = useState<ChannelType>('slack')
  const [url, setUrl] = useState('')
  const [events, setEvents] = useState<Set<ChannelEvent>>(new Set(['deployment.failed', 'deployment.recovered']))
  const [secret, setSecret] = useState<string | null>(null)
  const create = useMutation({
    mutationFn: () =>
      call<NotificationChannelCreated>('createNotificationChannel', {
        body: { name, type, url, events: CHANNEL_EVENTS.map((e) => e.value).filter((e) => events.has(e)) },
      }),
    onSuccess: async (created) => {
      setSecret(created.signing_secret ?? null)
      setName('')
      setUrl('')
      await queryClient.invalidateQueries({ queryKey: ['notification-channels'] })
    },
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    create.mutate()
  }
  function toggle(e: ChannelEvent) {
    const next = new Set(events)
    if (!next.delete(e)) next.add(e)
    setEvents(next)
  }
  return (
    <form onSubmit={submit} aria-labelledby="channel-new">
      <h2 id="channel-new">Add a channel</h2>
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
      <TextField
        label="Channel name"
        name="channel-name"
        required
        maxLength={100}
        value={name}
        onChange={setName}
        error={fieldError(create.error, 'name')}
      />
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
      <TextField
        label="Webhook URL"
        name="channel-url"
        type="url"
        required
        value={url}
        onChange={setUrl}
        error={fieldError(create.error, 'url')}
        hint="Stored encrypted; shown afterwards as its host only."
      />
      <fieldset>
        <legend>Events</legend>
        {CHANNEL_EVENTS.map((e) => (
          <label key={e.value}>
            <input type="checkbox" checked={events.has(e.value)} onChange={() => toggle(e.value)} />
            {e.label}
          </label>
        ))}
      </fieldset>
      <ErrorNotice error={create.error} />
      <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
        Add channel
      </button>
    </form>
  )
}

function Deliveries() {
  const [skip, setSkip] = useState(0)
  const deliveries = useQuery({
    queryKey: ['notification-deliveries', skip],
    queryFn: () => call<NotificationDeliveryPage>('notificationDeliveries', { query: { skip, take: PAGE } }),
    // Deliveries change without any event the UI hears of (the worker retries in the background).
    refetchInterval: 3000,
  })
  return (
    <>
      <h2>Delivery log</h2>
      <QueryState query={deliveries} what="the delivery log">
        {(data) => (
          <>
            <DataTable
              label="Delivery log"
              rows={data.deliveries}
              rowKey={(d) => d.id}
              empty="Nothing sent yet."
              columns={[
                { header: 'Queued', cell: (d) => formatTime(d.created_at) },
                { header: 'Channel', cell: (d) => d.channel_name ?? '(removed)' },
                { header: 'Event', cell: (d) => d.event },
                { header: 'Message', cell: (d) => d.summary },
                { header: 'Status', cell: (d) => d.status },
                { header: 'Attempts', cell: (d) => d.attempts },
                {
                  header: 'Last answer',
                  cell: (d) => d.last_error ?? (d.last_status_code !== null ? `HTTP ${d.last_status_code}` : '—'),
                },
              ]}
            />
            <div className="button-row">
              <button type="button" className="outline" disabled={skip === 0} onClick={() => setSkip(skip - PAGE)}>
                Newer
              </button>
              <button
                type="button"
                className="outline"
                disabled={skip + PAGE >= data.total}
                onClick={() => setSkip(skip + PAGE)}
              >
                Older
              </button>
            </div>
          </>
        )}
      </QueryState>
    </>
  )
}

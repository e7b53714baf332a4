import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { useAbility } from '../api/abilities'
import { call } from '../api/client'
import type { NotificationChannel, NotificationChannelList, NotificationDeliveryPage } from '../api/notification-types'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { DataTable, RowButton } from '../components/DataTable'
import { ErrorNotice, formatTime, SuccessNotice } from '../components/Notice'
import { QueryState } from '../components/QueryState'
import { ChannelForm, type ChannelRoutes } from './ChannelForm'

const PAGE = 20

const TEAM_ROUTES: ChannelRoutes = {
  key: 'notification-channels',
  list: 'notificationChannels',
  create: 'createNotificationChannel',
  update: 'updateNotificationChannel',
  remove: 'deleteNotificationChannel',
  test: 'testNotificationChannel',
  deliveries: 'notificationDeliveries',
  projects: true,
}

const INSTANCE_ROUTES: ChannelRoutes = {
  key: 'instance-notification-channels',
  list: 'instanceNotificationChannels',
  create: 'createInstanceNotificationChannel',
  update: 'updateInstanceNotificationChannel',
  remove: 'deleteInstanceNotificationChannel',
  test: 'testInstanceNotificationChannel',
  deliveries: 'instanceNotificationDeliveries',
  projects: false,
}

/**
 * Notification channels with their delivery log: the team's (team settings) or, for instance
 * administrators, the instance's (servers, the proxy, Berth's own backups).
 */
export function NotificationsPage({ scope = 'team' }: { scope?: 'team' | 'instance' }) {
  const routes = scope === 'team' ? TEAM_ROUTES : INSTANCE_ROUTES
  const mayManage = useAbility(scope === 'team' ? 'members' : 'instance')
  return (
    <section>
      <p className="muted">
        {scope === 'team' ? <Link to="/team">Team</Link> : <Link to="/settings">Instance</Link>} / Notifications
      </p>
      <h1>{scope === 'team' ? 'Notifications' : 'Instance notifications'}</h1>
      <Channels routes={routes} mayManage={mayManage} />
      {mayManage ? (
        <ChannelForm routes={routes} />
      ) : (
        <p className="muted">Owners and admins of the team add and remove channels.</p>
      )}
      <Deliveries routes={routes} />
    </section>
  )
}

/** Where a channel sends, as far as it may be shown. */
function destination(c: NotificationChannel): string {
  const s = c.settings as Record<string, unknown>
  if (c.type === 'email') return `${String(s.host)}:${String(s.port)} → ${(s.to as string[]).join(', ')}`
  if (c.type === 'telegram') return `chat ${String(s.chat_id)}`
  return c.url ?? ''
}

function Channels({ routes, mayManage }: { routes: ChannelRoutes; mayManage: boolean }) {
  const queryClient = useQueryClient()
  const channels = useQuery({
    queryKey: [routes.key],
    queryFn: () => call<NotificationChannelList>(routes.list),
  })
  const [removing, setRemoving] = useState<NotificationChannel | null>(null)
  const [editing, setEditing] = useState<NotificationChannel | null>(null)
  const [tested, setTested] = useState<string | null>(null)
  const remove = useMutation({
    mutationFn: (c: NotificationChannel) => call(routes.remove, { params: { id: c.id } }),
    onSuccess: async () => {
      setRemoving(null)
      await queryClient.invalidateQueries({ queryKey: [routes.key] })
      await queryClient.invalidateQueries({ queryKey: [routes.deliveries] })
    },
  })
  const test = useMutation({
    mutationFn: (c: NotificationChannel) => call(routes.test, { params: { id: c.id } }),
    onSuccess: async (_, c) => {
      setTested(c.name)
      await queryClient.invalidateQueries({ queryKey: [routes.deliveries] })
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
              { header: 'Sends to', cell: (c) => <code>{destination(c)}</code> },
              { header: 'Events', cell: (c) => c.events.join(', ') || 'none' },
              ...(routes.projects
                ? [
                    {
                      header: 'Projects',
                      cell: (c: NotificationChannel) => (c.project_ids ? c.project_ids.length : 'all'),
                    },
                  ]
                : []),
              { header: 'Enabled', cell: (c) => (c.enabled ? 'yes' : 'no') },
            ]}
            actions={
              mayManage
                ? (c) => (
                    <>
                      <RowButton label="Send test" target={c.name} onClick={() => test.mutate(c)} />
                      <RowButton label="Change" target={c.name} secondary onClick={() => setEditing(c)} />
                      <RowButton label="Remove" target={c.name} secondary onClick={() => setRemoving(c)} />
                    </>
                  )
                : undefined
            }
          />
        )}
      </QueryState>
      {editing && <ChannelForm key={editing.id} routes={routes} editing={editing} onDone={() => setEditing(null)} />}
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

function Deliveries({ routes }: { routes: ChannelRoutes }) {
  const [skip, setSkip] = useState(0)
  const deliveries = useQuery({
    queryKey: [routes.deliveries, skip],
    queryFn: () => call<NotificationDeliveryPage>(routes.deliveries, { query: { skip, take: PAGE } }),
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
                  cell: (d) =>
                    d.last_error ??
                    (d.last_status_code === null
                      ? '—'
                      : `${d.channel_type === 'email' ? 'SMTP' : 'HTTP'} ${d.last_status_code}`),
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

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useAbility } from '../api/abilities'
import type { Server } from '../api/admin-types'
import { useServers } from '../api/queries'
import { call } from '../api/client'
import type { QueuedProxyDeployment, ServerProxyStatus } from '../api/proxy-types'
import { ErrorNotice, formatTime, SuccessNotice } from '../components/Notice'
import { QueryState } from '../components/QueryState'

const STATE_LABEL: Record<ServerProxyStatus['state'], string> = {
  running: 'running',
  stale: 'stale',
  down: 'down',
  not_configured: 'not run by Berth',
  unreachable: 'unknown (engine unreachable)',
}

/** One server's proxy container: whether it runs and reads Berth's configuration, and its actions. */
function ServerProxy({ server }: { server: Server }) {
  const queryClient = useQueryClient()
  const status = useQuery({
    queryKey: ['proxy-container', server.uuid],
    queryFn: () => call<ServerProxyStatus>('serverProxy', { params: { uuid: server.uuid } }),
    // Nothing in Berth tells it that someone stopped the container: ask again now and then.
    refetchInterval: 5000,
  })
  const act = useMutation({
    mutationFn: (action: 'start' | 'stop' | 'restart') =>
      call<QueuedProxyDeployment>('serverProxyAction', { params: { uuid: server.uuid, action } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['proxy-container', server.uuid] }),
  })
  return (
    <article aria-labelledby={`proxy-${server.uuid}`}>
      <h3 id={`proxy-${server.uuid}`}>{server.name}</h3>
      <QueryState query={status} what="the proxy container">
        {(s) => (
          <>
            <p>
              State: <strong data-testid={`proxy-state-${server.uuid}`}>{STATE_LABEL[s.state]}</strong>
              {s.proxy && (
                <>
                  {' '}
                  <small className="muted">
                    {s.proxy.kind}, {s.proxy.image}, version {s.proxy.current_version}
                  </small>
                </>
              )}
            </p>
            {s.state === 'down' || s.state === 'stale' || s.state === 'unreachable' ? (
              <p role="alert" className="notice notice-error">
                {s.message}
              </p>
            ) : (
              <p>{s.message}</p>
            )}
            {s.config && <p className="muted">{s.config.detail}</p>}
            {s.deployments[0] && (
              <p className="muted">
                Last {s.deployments[0].action}: {s.deployments[0].status}
                {s.deployments[0].message ? ` (${s.deployments[0].message})` : ''},{' '}
                {formatTime(s.deployments[0].created_at)}
              </p>
            )}
            <div role="group">
              {(['start', 'restart', 'stop'] as const).map((action) => (
                <button
                  key={action}
                  type="button"
                  className={action === 'stop' ? 'secondary outline' : 'secondary'}
                  disabled={act.isPending || (action !== 'start' && s.proxy === null)}
                  onClick={() => act.mutate(action)}
                  aria-label={`${action[0]!.toUpperCase()}${action.slice(1)} the proxy of ${server.name}`}
                >
                  {action[0]!.toUpperCase()}
                  {action.slice(1)}
                </button>
              ))}
            </div>
            <ErrorNotice error={act.error} />
            {act.data && <SuccessNotice>{act.data.message}</SuccessNotice>}
          </>
        )}
      </QueryState>
    </article>
  )
}

/** The proxy containers Berth runs, per server: for instance administrators only (the API refuses others). */
export function ProxyContainers() {
  const isInstanceAdmin = useAbility('instance')
  const servers = useServers(isInstanceAdmin)
  if (!isInstanceAdmin)
    return <p className="muted">Only instance administrators see and run the proxy containers of the servers.</p>
  return (
    <QueryState query={servers} what="servers">
      {(data) => (
        <>
          {data.servers.map((server) => (
            <ServerProxy key={server.uuid} server={server} />
          ))}
        </>
      )}
    </QueryState>
  )
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { Link, useParams } from 'react-router'
import { call } from '../api/client'
import {
  ACTION_TITLES,
  deploymentKeys,
  formatDuration,
  isActive,
  resourcePage,
  type Deployment,
} from '../api/deployments'
import { useAbility } from '../api/abilities'
import { useDeploymentEvents } from '../api/useDeploymentEvents'
import { useLogStream } from '../api/useLogStream'
import { LogViewer } from '../components/LogViewer'
import { ErrorNotice, formatTime, Loading, SuccessNotice } from '../components/Notice'
import { DeploymentStatusBadge } from '../components/StatusBadge'

/** One deployment: what it was, how it went, and its log, live while it runs. */
export function DeploymentPage() {
  const { deploymentId = '' } = useParams()
  useDeploymentEvents()
  const queryClient = useQueryClient()
  const mayDeploy = useAbility('deploy')
  const deployment = useQuery({
    queryKey: deploymentKeys.one(deploymentId),
    queryFn: () => call<Deployment>('deployment', { params: { uuid: deploymentId } }),
  })
  const log = useLogStream(deploymentId)
  const cancel = useMutation({
    mutationFn: () => call<{ message: string }>('cancelDeployment', { params: { uuid: deploymentId } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: deploymentKeys.all }),
  })

  // The stream's end is the moment the record has its outcome: show it even if an event was missed.
  useEffect(() => {
    if (log.ended) void queryClient.invalidateQueries({ queryKey: deploymentKeys.one(deploymentId) })
  }, [log.ended, deploymentId, queryClient])

  if (deployment.isPending) return <Loading what="the deployment" />
  if (deployment.error) return <ErrorNotice error={deployment.error} />
  const d = deployment.data
  const active = isActive(d.status)
  const page = resourcePage(d.resource_type, d.resource_uuid)
  return (
    <section>
      <nav aria-label="Breadcrumb">
        <ul>
          <li>
            <Link to="/deployments">Deployments</Link>
          </li>
          <li>{page ? <Link to={`${page}/deployments`}>{d.resource_name}</Link> : d.resource_name}</li>
          <li>{d.deployment_uuid.slice(0, 8)}</li>
        </ul>
      </nav>
      <h1>
        {ACTION_TITLES[d.action]} of {d.resource_name} <DeploymentStatusBadge status={d.status} />
      </h1>
      <dl className="deployment-facts">
        <div>
          <dt>Server</dt>
          <dd>{d.server_name}</dd>
        </div>
        <div>
          <dt>Compose version</dt>
          <dd>{d.compose_version === null ? '—' : `v${d.compose_version}`}</dd>
        </div>
        <div>
          <dt>Triggered</dt>
          <dd>
            {d.trigger} by {d.created_by ?? 'unknown'}
          </dd>
        </div>
        {d.rollback_of && (
          <div>
            <dt>Rolls back</dt>
            <dd>
              <Link to={`/deployments/${d.rollback_of}`}>the deployment that failed its health check</Link>
            </dd>
          </div>
        )}
        <div>
          <dt>Queued</dt>
          <dd>{formatTime(d.created_at)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(d.started_at, d.finished_at)}</dd>
        </div>
        {d.exit_code !== null && (
          <div>
            <dt>Exit code</dt>
            <dd>{d.exit_code}</dd>
          </div>
        )}
      </dl>
      {d.message && <p className={d.status === 'failed' ? 'notice-error' : 'muted'}>{d.message}</p>}
      {active && (
        <div className="button-row">
          <button
            type="button"
            className="outline secondary"
            onClick={() => cancel.mutate()}
            disabled={!mayDeploy || cancel.isPending}
            aria-busy={cancel.isPending}
            title={mayDeploy ? undefined : 'Needs the "deploy" ability'}
          >
            Cancel deployment
          </button>
        </div>
      )}
      <SuccessNotice>{cancel.data?.message}</SuccessNotice>
      <ErrorNotice error={cancel.error} />
      {log.error && (
        <p role="alert" className="notice notice-error">
          {log.error}
        </p>
      )}
      <LogViewer lines={log.lines} count={log.count} live={active} complete={log.ended !== null} />
    </section>
  )
}

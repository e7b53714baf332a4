import { useQuery } from '@tanstack/react-query'
import { call } from '../api/client'
import {
  deploymentKeys,
  RESOURCE_ROUTES,
  type DeploymentList,
  type DeploymentStatus,
  type ResourceType,
  type RuntimeStatus,
} from '../api/deployments'
import '../deployments.css'

const LABELS: Record<DeploymentStatus, string> = {
  queued: 'queued',
  in_progress: 'in progress',
  finished: 'finished',
  failed: 'failed',
  'cancelled-by-user': 'cancelled',
}

/** A deployment's status as a coloured badge; the word is there too, colour is never the only cue. */
export function DeploymentStatusBadge({ status }: { status: DeploymentStatus }) {
  return (
    <span className={`badge status status-${status}`} data-status={status}>
      {LABELS[status]}
    </span>
  )
}

/** The status of a resource's newest deployment (kept current by useDeploymentEvents). */
export function LatestDeploymentBadge({ resourceId, type = 'service' }: { resourceId: string; type?: ResourceType }) {
  const latest = useQuery({
    queryKey: deploymentKeys.latest(resourceId),
    queryFn: () =>
      call<DeploymentList>(RESOURCE_ROUTES[type].deployments, { params: { uuid: resourceId }, query: { take: 1 } }),
  })
  const last = latest.data?.deployments[0]
  if (!last) return latest.isPending ? null : <span className="badge muted">never deployed</span>
  return (
    <span aria-label={`Last deployment: ${LABELS[last.status]}`}>
      <DeploymentStatusBadge status={last.status} />
    </span>
  )
}

/** What the Docker engine says about a service's or database's containers right now. */
export function RuntimeBadge({ resourceId, type = 'service' }: { resourceId: string; type?: ResourceType }) {
  // Containers can stop on their own, with no deployment event: look again now and then too.
  const runtime = useQuery({
    queryKey: deploymentKeys.runtime(resourceId),
    queryFn: () => call<RuntimeStatus>(RESOURCE_ROUTES[type].status, { params: { uuid: resourceId } }),
    refetchInterval: 30_000,
    retry: false,
  })
  if (runtime.isPending) return null
  if (runtime.error) {
    return (
      <span className="badge" title={runtime.error.message}>
        containers: unknown
      </span>
    )
  }
  const word = runtime.data.status
  return <span className={`badge runtime runtime-${word.replace(/ /g, '-')}`}>containers: {word}</span>
}

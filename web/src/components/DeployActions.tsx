import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { Link } from 'react-router'
import { call } from '../api/client'
import {
  deploymentKeys,
  RESOURCE_ROUTES,
  type Deployment,
  type DeploymentAction,
  type QueuedDeployment,
  type ResourceType,
} from '../api/deployments'
import { useAbility } from '../api/abilities'
import { ErrorNotice } from './Notice'
import { DeploymentStatusBadge } from './StatusBadge'

const ACTIONS: { action: DeploymentAction; label: string; hint: string }[] = [
  { action: 'deploy', label: 'Deploy', hint: 'Render the current compose version and run docker compose up' },
  { action: 'restart', label: 'Restart', hint: 'docker compose down, then up again' },
  { action: 'stop', label: 'Stop', hint: 'docker compose stop; Deploy starts it again' },
]

function queueAction(type: ResourceType, id: string, action: DeploymentAction): Promise<QueuedDeployment> {
  if (action === 'deploy')
    return call<{ deployments: QueuedDeployment[] }>('deploy', { body: { uuid: id } }).then((r) => r.deployments[0]!)
  const routes = RESOURCE_ROUTES[type]
  return call<QueuedDeployment>(action === 'stop' ? routes.stop : routes.restart, { params: { uuid: id } })
}

/**
 * Deploy / Restart / Stop for a service or database. Each is a recorded deployment; the one just queued is
 * shown at once with its live status and a link to its log.
 */
export function DeployActions({
  resourceId,
  type,
  shortcut = false,
}: {
  resourceId: string
  type: ResourceType
  /** Alt-Shift-D deploys: only where this is the one resource on the page. */
  shortcut?: boolean
}) {
  const queryClient = useQueryClient()
  const allowed = useAbility('deploy')
  const queue = useMutation({
    mutationFn: (action: DeploymentAction) => queueAction(type, resourceId, action),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: deploymentKeys.all }),
  })
  const { mutate } = queue
  useEffect(() => {
    if (!shortcut || !allowed) return
    function onKey(event: KeyboardEvent) {
      if (event.altKey && event.shiftKey && event.code === 'KeyD') {
        event.preventDefault()
        mutate('deploy')
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [shortcut, allowed, mutate])
  const queuedId = queue.data?.deployment_uuid
  const queued = useQuery({
    queryKey: deploymentKeys.one(queuedId ?? ''),
    queryFn: () => call<Deployment>('deployment', { params: { uuid: queuedId! } }),
    enabled: queuedId !== undefined,
  })

  return (
    <div className="deploy-actions">
      <div className="button-row">
        {ACTIONS.map(({ action, label, hint }) => (
          <button
            key={action}
            type="button"
            className={action === 'deploy' ? '' : 'outline secondary'}
            title={
              allowed
                ? `${hint}${shortcut && action === 'deploy' ? ' (Alt+Shift+D)' : ''}`
                : 'Needs the "deploy" ability'
            }
            disabled={!allowed || queue.isPending}
            aria-busy={queue.isPending && queue.variables === action}
            onClick={() => queue.mutate(action)}
          >
            {label}
          </button>
        ))}
      </div>
      {!allowed && <p className="muted">You can look, but deploying needs the “deploy” ability.</p>}
      <ErrorNotice error={queue.error} />
      {queue.data && (
        <p role="status" className="notice deploy-queued">
          {queue.data.message} {queued.data && <DeploymentStatusBadge status={queued.data.status} />}{' '}
          <Link to={`/deployments/${queue.data.deployment_uuid}`}>Open its log</Link>
        </p>
      )}
    </div>
  )
}

// Response shapes and small helpers of the deployments API (kept apart from types.ts).

export type DeploymentStatus = 'queued' | 'in_progress' | 'finished' | 'failed' | 'cancelled-by-user'
export type DeploymentAction = 'deploy' | 'stop' | 'restart' | 'remove'

/** What a deployment of each action is called on its page. */
export const ACTION_TITLES: Record<DeploymentAction, string> = {
  deploy: 'Deployment',
  stop: 'Stop',
  restart: 'Restart',
  remove: 'Removal',
}

export type Deployment = {
  deployment_uuid: string
  resource_type: 'service' | 'database'
  resource_uuid: string
  resource_name: string
  server_uuid: string
  server_name: string
  action: DeploymentAction
  status: DeploymentStatus
  trigger: string
  compose_version: number | null
  exit_code: number | null
  message: string | null
  created_by: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
}
export type DeploymentList = { count: number; deployments: Deployment[] }
export type QueuedDeployment = { resource_uuid: string; deployment_uuid: string; message: string }

export type LogLine = { seq: number; ts: string; stream: 'stdout' | 'stderr' | 'berth'; output: string }
export type LogPage = { status: DeploymentStatus; lines: LogLine[]; next_after: number; has_more: boolean }

export type RuntimeStatus = {
  uuid: string
  status: string
  containers: { name: string; service: string; state: string; status: string }[]
}

/** What the team event stream (GET /api/v1/events) says about a deployment. */
export type DeploymentEvent = {
  deployment_uuid: string
  resource_uuid: string
  resource_type: string
  status: DeploymentStatus
}

export function isActive(status: DeploymentStatus): boolean {
  return status === 'queued' || status === 'in_progress'
}

/**
 * Query keys: everything about deployments starts with "deployments", so one invalidation after an
 * event refreshes every list, badge and page that shows one.
 */
export const deploymentKeys = {
  all: ['deployments'] as const,
  team: (page: number) => ['deployments', 'team', page] as const,
  active: ['deployments', 'active'] as const,
  resource: (id: string, page: number) => ['deployments', 'resource', id, page] as const,
  latest: (id: string) => ['deployments', 'resource', id, 'latest'] as const,
  one: (id: string) => ['deployments', 'one', id] as const,
  runtime: (id: string) => ['deployments', 'runtime', id] as const,
}

/** "1m 05s" between two instants (now when the end is missing), or "—" before the start. */
export function formatDuration(from: string | null, to: string | null, now = Date.now()): string {
  if (!from) return '—'
  const seconds = Math.max(0, Math.round(((to ? Date.parse(to) : now) - Date.parse(from)) / 1000))
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`
}

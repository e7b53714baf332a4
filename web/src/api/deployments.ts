// Response shapes (from the server's OpenAPI document, openapi.gen.ts) and small helpers of the
// deployments API (kept apart from types.ts).
import type { components } from './openapi.gen'

type Schemas = components['schemas']

export type Deployment = Schemas['Deployment']
export type DeploymentStatus = Deployment['status']
export type DeploymentAction = Deployment['action']

/** What a deployment of each action is called on its page. */
export const ACTION_TITLES: Record<DeploymentAction, string> = {
  deploy: 'Deployment',
  stop: 'Stop',
  restart: 'Restart',
  remove: 'Removal',
  attach: 'Routing',
}

export type DeploymentList = Schemas['DeploymentList']
export type QueuedDeployment = Schemas['QueuedDeployment']

export type LogLine = Schemas['LogLine']
export type LogPage = Schemas['LogPage']

export type RuntimeStatus = Schemas['RuntimeStatus']

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

export type ContainerLogs = Schemas['ContainerLogs']

/** A service or a database: both deploy, stop, restart and report status the same way. */
export type ResourceType = 'service' | 'database'

/** The routes of each resource type's deployment history, status, logs and actions. */
export const RESOURCE_ROUTES = {
  service: {
    deployments: 'serviceDeployments',
    status: 'serviceStatus',
    logs: 'serviceLogs',
    stats: 'serviceStatsStream',
    terminal: 'serviceTerminal',
    logStream: 'serviceLogStream',
    stop: 'stopService',
    restart: 'restartService',
    page: (id: string) => `/services/${id}`,
  },
  database: {
    deployments: 'databaseDeployments',
    status: 'databaseStatus',
    logs: 'databaseLogs',
    stats: 'databaseStatsStream',
    terminal: 'databaseTerminal',
    logStream: 'databaseLogStream',
    stop: 'stopDatabase',
    restart: 'restartDatabase',
    page: (id: string) => `/databases/${id}`,
  },
} as const

/** The page of a deployment's resource, or undefined for one without a page (the proxy). */
export function resourcePage(type: string, id: string): string | undefined {
  return type === 'service' || type === 'database' ? RESOURCE_ROUTES[type].page(id) : undefined
}

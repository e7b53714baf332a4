// Reads that several pages make: one definition each, so they share one key and one cache entry
// (a project's name in the breadcrumb comes from the project page's own request).
import { useQuery } from '@tanstack/react-query'
import type { Database, Server } from './admin-types'
import type { BackupDestinationList } from './backup-types'
import { call } from './client'
import { DASHBOARD_KEY, type Dashboard } from './dashboard-types'
import type { ProjectDetail, ProjectListItem, Service } from './types'

/** The team's projects; `enabled: false` where a form offers them only in some cases. */
export function useProjects(enabled = true) {
  return useQuery({
    queryKey: ['projects'],
    queryFn: () => call<{ projects: ProjectListItem[] }>('projects'),
    enabled,
  })
}

export function useProject(projectId: string, enabled = true) {
  return useQuery({
    queryKey: ['project', projectId],
    queryFn: () => call<ProjectDetail>('project', { params: { uuid: projectId } }),
    enabled,
  })
}

/** A service (its page, and its Git tab: whether it builds from Git). */
export function useService(serviceId: string) {
  return useQuery({
    queryKey: ['service', serviceId],
    queryFn: () => call<Service>('service', { params: { uuid: serviceId } }),
  })
}

/** The team's servers (its own and the shared ones) with their last known state; `enabled: false` for who may not list them. */
export function useServers(enabled = true) {
  return useQuery({ queryKey: ['servers'], queryFn: () => call<{ servers: Server[] }>('servers'), enabled })
}

/** A standalone database (a 404 for a service that is not one: the client never retries a 4xx). */
export function useDatabase(databaseId: string, enabled = true) {
  return useQuery({
    queryKey: ['database', databaseId],
    queryFn: () => call<Database>('database', { params: { uuid: databaseId } }),
    enabled,
  })
}

/** The team's backup destinations (their own page, and the picker of a database's backup jobs). */
export function useBackupDestinations() {
  return useQuery({
    queryKey: ['backup-destinations'],
    queryFn: () => call<BackupDestinationList>('backupDestinations'),
  })
}

/** The dashboard's overview; the command palette reads it only while open, the dashboard polls it. */
export function useDashboard(options: { enabled?: boolean; refetchInterval?: number } = {}) {
  return useQuery({ queryKey: DASHBOARD_KEY, queryFn: () => call<Dashboard>('dashboard'), ...options })
}

import type { Kysely } from 'kysely'
import type { BackupService } from '../backups/backup.service.js'
import type { RunsService } from '../database-backups/runs.service.js'
import type { DB } from '../db/schema.js'
import { latestPerResource, listTeamSince, type DeploymentRow } from '../deployments/deployments.repo.js'
import { containersByProject, type ContainerSummary } from '../deployments/resource-runtime.js'
import { composeProjectName } from '../deployments/resources.js'
import type { ProjectsService } from '../projects/projects.service.js'
import type { ProxyRuntimeService } from '../proxy-runtime/proxy-runtime.service.js'
import type { ProxySyncService } from '../proxy/sync/proxy.sync.js'
import { freePercent } from '../servers/server-monitor.js'
import type { ServersService } from '../servers/servers.service.js'
import { listTeamResources } from '../services/services.repo.js'
import { byUrgency, healthOf, type Attention } from './health.js'

type Deps = {
  db: Kysely<DB>
  backups: Pick<BackupService, 'lastFinished'>
  backupRuns: Pick<RunsService, 'lastBackupPerDatabase'>
  projects: Pick<ProjectsService, 'list'>
  servers: Pick<ServersService, 'list' | 'serverForResource' | 'hostOf'>
  proxyRuntime: Pick<ProxyRuntimeService, 'status'>
  proxySync: Pick<ProxySyncService, 'status'>
  /** Free space, in percent of the engine's disk, under which a server needs attention (BERTH_DISK_LOW_PERCENT). */
  diskLowPercent: number
}

const DAY_MS = 24 * 60 * 60 * 1000

export type DashboardService = ReturnType<typeof createDashboardService>

/** One read of everything a team watches: projects with their resources' health, deployments, servers, proxy. */
export function createDashboardService(deps: Deps) {
  const { db, projects, servers, proxyRuntime, proxySync, diskLowPercent } = deps
  /** Each server's Compose containers by project (one engine call per server); undefined when it did not answer. */
  async function containersPerServer(serverIds: Set<string | null>) {
    const out = new Map<string | null, Map<string, ContainerSummary[]> | undefined>()
    await Promise.all(
      [...serverIds].map(async (id) => {
        const server = await servers.serverForResource(db, id)
        // An unreachable engine is a finding of the dashboard, not a failure of it.
        out.set(id, await containersByProject(servers.hostOf(server)).catch(() => undefined))
      }),
    )
    return out
  }

  async function overview(teamId: string, { instanceAdmin }: { instanceAdmin: boolean }, now = new Date()) {
    const [projectRows, resources, latest, recent, serverRows, databaseBackups, berthBackup] = await Promise.all([
      projects.list(teamId),
      listTeamResources(db, teamId),
      latestPerResource(db, teamId),
      listTeamSince(db, teamId, new Date(now.getTime() - DAY_MS).toISOString()),
      servers.list(teamId),
      deps.backupRuns.lastBackupPerDatabase(teamId),
      instanceAdmin ? deps.backups.lastFinished() : undefined,
    ])
    const lastOf = new Map<string, DeploymentRow>(latest.map((d) => [d.resource_id, d]))
    const engines = await containersPerServer(new Set(resources.map((r) => r.server_id ?? null)))
    const attention: Attention[] = []

    const resourceViews = resources.map((r) => {
      const perProject = engines.get(r.server_id ?? null)
      const containers = perProject && (perProject.get(composeProjectName(r.id)) ?? [])
      const last = lastOf.get(r.id)
      const type = r.database_type === null ? ('service' as const) : ('database' as const)
      const health = healthOf(containers, last !== undefined)
      const label = `${r.project_name} / ${r.name}`
      if (health === 'crash-looping' || health === 'unhealthy')
        attention.push({ severity: 'critical', message: `${label} is ${health}.`, target: { type, uuid: r.id } })
      if (last?.status === 'failed')
        attention.push({
          severity: 'critical',
          message: `The last ${last.action} of ${label} failed${last.message ? `: ${last.message}` : '.'}`,
          target: { type: 'deployment', uuid: last.id },
        })
      else if (health === 'stopped' && last?.action !== 'stop' && last?.action !== 'remove')
        attention.push({ severity: 'warning', message: `${label} stopped on its own.`, target: { type, uuid: r.id } })
      return {
        project_uuid: r.project_id,
        view: {
          uuid: r.id,
          name: r.name,
          type,
          database_type: r.database_type,
          health,
          containers: {
            running: containers?.filter((c) => c.state === 'running').length ?? null,
            total: containers?.length ?? null,
          },
          last_deployment: last
            ? { uuid: last.id, action: last.action, status: last.status, created_at: last.created_at }
            : null,
        },
      }
    })

    const serverViews = await Promise.all(
      serverRows.map(async (s) => {
        if (s.state && !s.state.reachable)
          attention.push({
            severity: 'critical',
            message: `Server ${s.name} is not reachable${s.state.error ? `: ${s.state.error}` : '.'}`,
            target: { type: 'server', uuid: s.uuid },
          })
        const disk = s.state?.disk ?? null
        const free = disk ? freePercent(disk) : null
        if (free !== null && free < diskLowPercent)
          attention.push({
            severity: 'warning',
            message: `Server ${s.name} has ${free.toFixed(1)}% of its disk free: deployments, builds and backups fail once it is full.`,
            target: { type: 'server', uuid: s.uuid },
          })
        const proxy = await proxyRuntime.status(s.uuid)
        if (proxy.state === 'down' || proxy.state === 'stale' || proxy.state === 'unreachable')
          attention.push({
            severity: proxy.state === 'stale' ? 'warning' : 'critical',
            message: proxy.message,
            target: { type: 'proxy', uuid: s.uuid },
          })
        return {
          uuid: s.uuid,
          name: s.name,
          default: s.default,
          reachable: s.state ? s.state.reachable : null,
          containers_running: s.state?.containers_running ?? null,
          containers_stopped: s.state?.containers_stopped ?? null,
          disk,
          load: s.state?.load ?? null,
          checked_at: s.state?.checked_at ?? null,
          proxy: {
            state: proxy.state,
            message: proxy.message,
            reading_berth_config: proxy.config?.reading_berth_config ?? null,
          },
        }
      }),
    )

    const sync = proxySync.status().last_run
    if (sync?.error)
      attention.push({
        severity: 'warning',
        message: 'The last proxy configuration sync failed.',
        target: { type: 'proxy', uuid: null },
      })

    // Berth's own backup is the instance's business: its administrators see it, teams do not.
    if (berthBackup?.status === 'failed')
      attention.push({
        severity: 'critical',
        message: `The last backup of Berth failed${berthBackup.error ? `: ${berthBackup.error}` : '.'}`,
        target: { type: 'backup', uuid: null },
      })
    const labels = new Map(resources.map((r) => [r.id, `${r.project_name} / ${r.name}`]))
    const backupViews = databaseBackups
      .filter((run) => labels.has(run.database_id))
      .map((run) => ({
        database_uuid: run.database_id,
        database_name: labels.get(run.database_id)!,
        status: run.status as 'succeeded' | 'failed',
        at: run.finished_at ?? run.created_at,
        message: run.message,
      }))
    for (const b of backupViews.filter((v) => v.status === 'failed'))
      attention.push({
        severity: 'critical',
        message: `The last backup of ${b.database_name} failed${b.message ? `: ${b.message}` : '.'}`,
        target: { type: 'backup', uuid: b.database_uuid },
      })

    const failed = recent.filter(
      (d) => d.status === 'failed' && d.created_at >= new Date(now.getTime() - DAY_MS).toISOString(),
    )
    return {
      generated_at: now.toISOString(),
      attention: byUrgency(attention),
      projects: projectRows.map((p) => ({
        uuid: p.id,
        name: p.name,
        resources: resourceViews.filter((r) => r.project_uuid === p.id).map((r) => r.view),
      })),
      deployments: {
        running: recent.filter((d) => d.status === 'in_progress').length,
        queued: recent.filter((d) => d.status === 'queued').length,
        finished_24h: recent.filter((d) => d.status === 'finished').length,
        failed_24h: failed.length,
        recent_failures: failed.slice(0, 5).map((d) => ({
          deployment_uuid: d.id,
          resource_uuid: d.resource_id,
          resource_type: d.resource_type,
          resource_name: d.resource_name,
          message: d.message,
          created_at: d.created_at,
        })),
      },
      servers: serverViews,
      backups: {
        ...(instanceAdmin && {
          berth: berthBackup
            ? {
                status: berthBackup.status as 'succeeded' | 'failed',
                at: berthBackup.finished_at ?? berthBackup.started_at,
                message: berthBackup.error,
              }
            : null,
        }),
        databases: backupViews,
      },
      proxy_sync: sync
        ? { last_run_at: sync.started_at, ok: sync.error === null, files_written: sync.files_written.length }
        : null,
    }
  }

  return { overview }
}

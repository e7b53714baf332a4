import { readFileSync } from 'node:fs'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import { SYSTEM_ACTOR, type AuditService } from '../audit/audit.service.js'
import type { DB } from '../db/schema.js'
import { nowIso } from '../db/time.js'
import type { EventBus } from '../events/event-bus.js'
import { claimQueued, nextLogSeq, serversWithQueued, type DeploymentRow } from './deployments.repo.js'
import { runDeployment, type RunnerDeps, type StopReason } from './deployment-runner.js'

export const DEFAULT_DEPLOY_TIMEOUT_MS = 15 * 60 * 1000
export const INTERRUPTED_MESSAGE = 'interrupted: Berth restarted'
// Events wake workers at once; this poll picks up work queued by another process (the CLI).
const POLL_INTERVAL_MS = 5000

type Deps = RunnerDeps & {
  audit: Pick<AuditService, 'record'>
  events: Pick<EventBus, 'publish' | 'on'>
  logger: Pick<Logger, 'error' | 'info'>
  concurrencyOf(serverId: string): Promise<number>
  timeoutMs: number
}

export type DeploymentWorkers = ReturnType<typeof createDeploymentWorkers>

/**
 * Ends the compose process group a dead Berth left running (it was started detached, so it outlived
 * Berth). Only if the pid still runs `docker compose` for this resource: a pid may have been reused.
 */
export function killLeftover(pid: number | null | undefined, resourceId: string): boolean {
  if (!pid) return false
  let cmdline: string
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
  } catch {
    // No such process (or no /proc): nothing is left to stop.
    return false
  }
  if (!cmdline.includes('compose') || !cmdline.includes(resourceId)) return false
  try {
    process.kill(-pid, 'SIGKILL')
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

/**
 * One worker per server, woken by events published after a deployment is queued or ends. A
 * worker claims what its server's concurrency limit allows (atomically, in the database) and
 * runs each claim; only this module starts `docker compose`.
 */
export function createDeploymentWorkers(deps: Deps) {
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>()
  const claiming = new Map<string, Promise<void>>()
  const again = new Set<string>()
  // A cancel that arrives between a claim's commit and its start must still stop it.
  const cancelRequests = new Map<string, string>()
  const unsubscribe: (() => void)[] = []
  let stopped = true
  let poll: NodeJS.Timeout | undefined

  /** Claims and starts work for a server; concurrent wake-ups of one server collapse into one more pass. */
  function wake(serverId: string): void {
    if (stopped) return
    if (claiming.has(serverId)) {
      again.add(serverId)
      return
    }
    const pass = claimAndStart(serverId)
      .catch((error: unknown) => deps.logger.error({ err: error, serverId }, 'claiming deployments failed'))
      .finally(() => {
        claiming.delete(serverId)
        if (again.delete(serverId)) wake(serverId)
      })
    claiming.set(serverId, pass)
  }

  async function claimAndStart(serverId: string) {
    const claimed = await claimQueued(deps.db, serverId, await deps.concurrencyOf(serverId))
    for (const d of claimed) {
      start(d)
      deps.events.publish({ type: 'deployment.started', teamId: d.team_id, deploymentId: d.id, resourceId: d.resource_id, resourceType: d.resource_type, serverId: d.server_id })
    }
  }

  function start(d: DeploymentRow) {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort({ kind: 'timeout' } satisfies StopReason), deps.timeoutMs)
    const done = runDeployment(deps, d, controller.signal, deps.timeoutMs)
      .then((outcome) => {
        deps.events.publish({ type: 'deployment.finished', teamId: d.team_id, deploymentId: d.id, resourceId: d.resource_id, resourceType: d.resource_type, serverId: d.server_id, status: outcome.status })
      })
      .catch((error: unknown) => deps.logger.error({ err: error, deploymentId: d.id }, 'recording a deployment outcome failed'))
      .finally(() => {
        clearTimeout(timer)
        running.delete(d.id)
        wake(d.server_id)
      })
    running.set(d.id, { controller, done })
    const by = cancelRequests.get(d.id)
    if (by !== undefined) controller.abort({ kind: 'cancel', by } satisfies StopReason)
  }

  /**
   * Deployments left in_progress by a Berth that died can no longer be watched: mark them failed
   * with a line saying so, so nothing stays stuck and the queue moves on.
   */
  async function recoverInterrupted(): Promise<number> {
    const stuck = await deps.db.selectFrom('deployments').select(['id', 'team_id', 'resource_id', 'resource_type', 'process_id']).where('status', '=', 'in_progress').execute()
    for (const d of stuck) {
      const killed = killLeftover(d.process_id, d.resource_id)
      const seq = await nextLogSeq(deps.db, d.id)
      await deps.db.transaction().execute(async (trx) => {
        if (killed) await trx.insertInto('deployment_logs').values({ deployment_id: d.id, seq, ts: nowIso(), stream: 'berth', output: `Stopped the compose process group ${d.process_id} left running by the previous Berth`, hidden: 0 }).execute()
        await trx.insertInto('deployment_logs').values({ deployment_id: d.id, seq: killed ? seq + 1 : seq, ts: nowIso(), stream: 'berth', output: `Deployment failed: ${INTERRUPTED_MESSAGE}`, hidden: 0 }).execute()
        await trx.updateTable('deployments').set({ status: 'failed', message: INTERRUPTED_MESSAGE, finished_at: nowIso() }).where('id', '=', d.id).where('status', '=', 'in_progress').execute()
        await deps.audit.record(trx, { ...SYSTEM_ACTOR, teamId: d.team_id }, { action: 'deployment.interrupted', resourceType: d.resource_type, resourceId: d.resource_id, details: { deployment_id: d.id } })
      })
    }
    return stuck.length
  }

  async function startWorkers() {
    stopped = false
    const recovered = await recoverInterrupted()
    if (recovered > 0) deps.logger.info({ recovered }, 'marked deployments interrupted by a restart as failed')
    unsubscribe.push(
      deps.events.on('deployment.queued', (e) => wake(e.serverId)),
      deps.events.on('deployment.cancel_requested', (e) => {
        const run = running.get(e.deploymentId)
        if (run) run.controller.abort({ kind: 'cancel', by: e.by } satisfies StopReason)
        else cancelRequests.set(e.deploymentId, e.by)
      }),
      deps.events.on('deployment.finished', (e) => void cancelRequests.delete(e.deploymentId)),
    )
    const wakeQueued = async () => {
      for (const serverId of await serversWithQueued(deps.db)) wake(serverId)
    }
    await wakeQueued()
    poll = setInterval(() => void wakeQueued().catch((error: unknown) => deps.logger.error({ err: error }, 'polling for queued deployments failed')), POLL_INTERVAL_MS)
    poll.unref()
  }

  /** Stops claiming, kills running compose processes and waits until their outcome is stored. */
  async function stopWorkers() {
    stopped = true
    clearInterval(poll)
    for (const off of unsubscribe.splice(0)) off()
    await Promise.all([...claiming.values()])
    for (const r of running.values()) r.controller.abort({ kind: 'shutdown' } satisfies StopReason)
    await Promise.all([...running.values()].map((r) => r.done))
  }

  return { start: startWorkers, stop: stopWorkers, wake, isRunning: (id: string) => running.has(id), recoverInterrupted }
}

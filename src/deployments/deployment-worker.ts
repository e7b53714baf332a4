import { readFileSync } from 'node:fs'
import type { Logger } from 'pino'
import { SYSTEM_ACTOR, type AuditService } from '../audit/audit.service.js'
import { deploymentFinished, type EventBus } from '../events/event-bus.js'
import {
  abandonedDeployments,
  appendBerthLines,
  claimQueued,
  failRunning,
  heartbeat,
  serversWithQueued,
  type DeploymentRow,
} from './deployments.repo.js'
import { runDeployment, type RunnerDeps, type StopReason } from './deployment-runner.js'

export const DEFAULT_DEPLOY_TIMEOUT_MS = 15 * 60 * 1000
export const INTERRUPTED_MESSAGE = 'interrupted: Berth restarted'
export const ABANDONED_MESSAGE = 'interrupted: the Berth process running it stopped answering'
// Events wake workers at once; this poll picks up work queued by another process (the CLI, or a
// sibling Berth on the same PostgreSQL database) and what a dead sibling left running.
const POLL_INTERVAL_MS = 5000
// Running deployments are vouched for this often; a sibling recovers them once silent for staleAfterMs.
const HEARTBEAT_MS = 2000

type Deps = RunnerDeps & {
  audit: Pick<AuditService, 'record'>
  events: Pick<EventBus, 'publish' | 'on'>
  logger: Pick<Logger, 'error' | 'info'>
  concurrencyOf(serverId: string): Promise<number>
  /** Queues the automatic rollback of a deployment that failed its health gate, if its service asks for one. */
  queueAutoRollback(failed: DeploymentRow): Promise<DeploymentRow | undefined>
  timeoutMs: number
  /** A sibling's running deployment silent for this long is failed as abandoned (BERTH_DEPLOY_STALE_SECONDS). */
  staleAfterMs: number
  /** This data dir's worker id (see worker-id.ts). */
  workerId: string
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
  let beat: NodeJS.Timeout | undefined

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
    const claimed = await claimQueued(deps.db, serverId, await deps.concurrencyOf(serverId), deps.workerId)
    for (const d of claimed) {
      start(d)
      deps.events.publish({
        type: 'deployment.started',
        teamId: d.team_id,
        deploymentId: d.id,
        resourceId: d.resource_id,
        resourceType: d.resource_type,
        serverId: d.server_id,
      })
    }
  }

  function start(d: DeploymentRow) {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort({ kind: 'timeout' } satisfies StopReason), deps.timeoutMs)
    const done = runDeployment(deps, d, controller.signal, deps.timeoutMs)
      .then(async (outcome) => {
        deps.events.publish(deploymentFinished(d, outcome.status))
        if (!outcome.unhealthy) return
        const rollback = await deps.queueAutoRollback(d)
        if (rollback)
          deps.logger.info(
            { deploymentId: d.id, rollbackId: rollback.id, composeVersion: rollback.target_version },
            'automatic rollback queued',
          )
      })
      .catch((error: unknown) =>
        deps.logger.error({ err: error, deploymentId: d.id }, 'recording a deployment outcome failed'),
      )
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
   * with a line saying so, so nothing stays stuck and the queue moves on. At start that includes
   * what this data dir's previous life left (its compose process, if still there, is stopped); a
   * sibling process's deployments only once its heartbeats stopped, as it may be running them.
   */
  async function recoverInterrupted(atStart = true): Promise<number> {
    const staleBefore = new Date(Date.now() - deps.staleAfterMs).toISOString()
    const stuck = await abandonedDeployments(deps.db, deps.workerId, staleBefore, atStart)
    for (const d of stuck) {
      const own = d.claimed_by === deps.workerId || d.claimed_by === null
      // A pid only means something on this machine, in this data dir's previous life.
      const killed = own && killLeftover(d.process_id, d.resource_id)
      const message = own ? INTERRUPTED_MESSAGE : ABANDONED_MESSAGE
      const finished = await deps.db.transaction().execute(async (trx) => {
        // Another process recovered it first (or it ended meanwhile): nothing more to say.
        if (!(await failRunning(trx, d.id, message))) return false
        await appendBerthLines(trx, d.id, [
          ...(killed ? [`Stopped the compose process group ${d.process_id} left running by the previous Berth`] : []),
          `Deployment failed: ${message}`,
        ])
        await deps.onFinished?.(trx, d, { status: 'failed', message, redact: (text) => text })
        await deps.audit.record(
          trx,
          { ...SYSTEM_ACTOR, teamId: d.team_id },
          {
            action: 'deployment.interrupted',
            resourceType: d.resource_type,
            resourceId: d.resource_id,
            details: { deployment_id: d.id },
          },
        )
        return true
      })
      if (!finished) continue
      deps.events.publish(deploymentFinished(d, 'failed'))
      // Its slot on the server is free again.
      wake(d.server_id)
    }
    return stuck.length
  }

  /** Vouches for the running deployments and stops those a user cancelled through another process. */
  async function beatOnce() {
    if (running.size === 0) return
    for (const request of await heartbeat(deps.db, deps.workerId)) {
      running
        .get(request.id)
        ?.controller.abort({ kind: 'cancel', by: request.cancel_requested_by } satisfies StopReason)
    }
  }

  const logPollFailure = (error: unknown) => deps.logger.error({ err: error }, 'polling for queued deployments failed')
  async function wakeQueued() {
    for (const serverId of await serversWithQueued(deps.db)) wake(serverId)
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
      // A route change may have queued an attach (deployments.service queueAttach) in its transaction.
      deps.events.on('route.changed', () => void wakeQueued().catch(logPollFailure)),
    )
    await wakeQueued()
    poll = setInterval(() => {
      wakeQueued().catch(logPollFailure)
      recoverInterrupted(false).catch((error: unknown) =>
        deps.logger.error({ err: error }, 'recovering abandoned deployments failed'),
      )
    }, POLL_INTERVAL_MS)
    poll.unref()
    beat = setInterval(
      () => void beatOnce().catch((error: unknown) => deps.logger.error({ err: error }, 'deployment heartbeat failed')),
      HEARTBEAT_MS,
    )
    beat.unref()
  }

  /** Stops claiming, kills running compose processes and waits until their outcome is stored. */
  async function stopWorkers() {
    stopped = true
    clearInterval(poll)
    clearInterval(beat)
    for (const off of unsubscribe.splice(0)) off()
    await Promise.all([...claiming.values()])
    for (const r of running.values()) r.controller.abort({ kind: 'shutdown' } satisfies StopReason)
    await Promise.all([...running.values()].map((r) => r.done))
  }

  return {
    start: startWorkers,
    stop: stopWorkers,
    wake,
    isRunning: (id: string) => running.has(id),
    recoverInterrupted,
  }
}

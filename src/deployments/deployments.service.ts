import type { Kysely } from 'kysely'
import { SYSTEM_ACTOR, type Actor, type AuditService } from '../audit/audit.service.js'
import type { DB, DeploymentAction, DeploymentTrigger, ResourceType, ServerTable } from '../db/schema.js'
import { deploymentFinished, deploymentQueued, type EventBus } from '../events/event-bus.js'
import type { FinishedHook } from './deployment-runner.js'
import { BadRequestError, ConflictError, NotFoundError, TooManyRequestsError } from '../errors.js'
import {
  appendBerthLines,
  countQueued,
  findQueued,
  findTeamDeployment,
  insertQueued,
  lastPassedVersion,
  listActive,
  listForResource,
  listQueuedOf,
  listTeam,
  markFinished,
  readLogs,
  requestCancel,
  setGitRef,
  wasDeployed,
  type DeploymentRow,
  type NewDeployment,
} from './deployments.repo.js'
import { findTeamResource, type Resource } from '../services/services.repo.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  events: Pick<EventBus, 'publish'>
  serverForResource(db: Kysely<DB>, serverId: string | null): Promise<ServerTable>
  /** The outcome hook (notifications), for a deployment cancelled before a worker took it. */
  onFinished?: FinishedHook
}

export type QueueOptions = {
  action?: DeploymentAction
  force?: boolean
  pull?: boolean
  stopBeforeStart?: boolean
  trigger: DeploymentTrigger
  expectedType?: ResourceType
  /** Build from Git (see git-sources/), or with targetVersion redeploy an earlier build. */
  git?: NewDeployment['git']
  /** Deploy this compose version instead of the current one (a rollback to an earlier build). */
  targetVersion?: number
}
export type QueuedDeployment = { resource_uuid: string; deployment_uuid: string; message: string }
export type DeploymentsService = ReturnType<typeof createDeploymentsService>

/** How long a caller should wait after a full queue; a typical deployment takes seconds to a minute. */
const RETRY_AFTER_SECONDS = 30

export function deploymentView(d: DeploymentRow) {
  return {
    deployment_uuid: d.id,
    resource_type: d.resource_type,
    resource_uuid: d.resource_id,
    resource_name: d.resource_name,
    server_uuid: d.server_id,
    server_name: d.server_name,
    action: d.action,
    status: d.status,
    trigger: d.trigger,
    compose_version: d.compose_version,
    force: d.force === 1,
    pull_latest_images: d.pull_latest_images === 1,
    stop_before_start: d.stop_before_start === 1,
    exit_code: d.exit_code,
    message: d.message,
    rollback_of: d.rollback_of ?? null,
    git: d.git_ref
      ? {
          ref: d.git_ref,
          commit: d.git_commit ?? null,
          message: d.git_message ?? null,
          author: d.git_author ?? null,
          image: d.image ?? null,
        }
      : null,
    created_by: d.created_by,
    created_at: d.created_at,
    started_at: d.started_at,
    finished_at: d.finished_at,
  }
}

/**
 * The team id of instance-level deployments (the proxy Berth runs on a server). No team has it (team
 * ids are random UUIDs, never the nil one), so every team-scoped read, list and event stream skips
 * these rows; only the instance routes of proxy-runtime/ read them.
 */
export const INSTANCE_TEAM_ID = '00000000-0000-0000-0000-000000000000'

/** How a caller reached us, as the deployment's trigger. */
export function triggerOf(via: string): Extract<DeploymentTrigger, 'cli' | 'ui' | 'api'> {
  return via === 'cli' ? 'cli' : via.startsWith('session:') ? 'ui' : 'api'
}

/** Ends a deployment that never started, with a log line saying why. */
async function cancelQueued(trx: Kysely<DB>, deploymentId: string, message: string): Promise<void> {
  await appendBerthLines(trx, deploymentId, [`Deployment cancelled: ${message}`])
  await markFinished(trx, deploymentId, { status: 'cancelled-by-user', exitCode: null, message })
}

export function createDeploymentsService({ db, audit, events, serverForResource, onFinished }: Deps) {
  /**
   * Records one deployment per resource before anything runs, all in one transaction (a full
   * queue refuses the whole request with 429). A resource that already has the same action
   * queued gets that deployment back (coalesced) unless `force`.
   */
  async function queue(
    teamId: string,
    resourceIds: string[],
    opts: QueueOptions,
    actor: Actor,
  ): Promise<QueuedDeployment[]> {
    const action = opts.action ?? 'deploy'
    const ids = [...new Set(resourceIds)]
    if (ids.length === 0) throw new BadRequestError('no_resources', 'Name at least one resource uuid to deploy.')
    const wake: { deploymentId: string; serverId: string; resourceId: string; resourceType: ResourceType }[] = []
    const result = await db.transaction().execute(async (trx) => {
      const out: QueuedDeployment[] = []
      for (const id of ids) {
        const resource = await findTeamResource(trx, teamId, id, opts.expectedType)
        if (!opts.force) {
          const queued = await findQueued(trx, resource.id, action)
          if (queued) {
            // A newer push replaces the commit the queued build will fetch.
            if (opts.git && !opts.targetVersion) await setGitRef(trx, queued.id, opts.git.ref)
            out.push({
              resource_uuid: resource.id,
              deployment_uuid: queued.id,
              message: `A ${action} of ${resource.name} is already queued; this request was merged into it.`,
            })
            continue
          }
        }
        const server = await serverForResource(trx, resource.serverId)
        const waiting = await countQueued(trx, server.id)
        if (waiting >= server.queue_limit) {
          throw new TooManyRequestsError(
            `Server ${server.name} already has ${waiting} deployments queued (its limit is ${server.queue_limit}); try again later.`,
            RETRY_AFTER_SECONDS,
          )
        }
        const row = await queueAudited(
          trx,
          {
            teamId,
            resource,
            server,
            action,
            trigger: opts.trigger,
            createdBy: actor.name,
            force: opts.force,
            pull: opts.pull,
            stopBeforeStart: opts.stopBeforeStart,
            git: opts.git,
            targetVersion: opts.targetVersion,
          },
          actor,
          `deployment.${action === 'deploy' ? 'queued' : action}`,
          {
            server_id: server.id,
            force: opts.force ?? false,
            pull: opts.pull ?? false,
            stop_before_start: opts.stopBeforeStart ?? false,
            ...(opts.git ? { git_ref: opts.git.ref } : {}),
            ...(opts.targetVersion ? { compose_version: opts.targetVersion } : {}),
          },
        )
        wake.push({ deploymentId: row.id, serverId: server.id, resourceId: resource.id, resourceType: resource.type })
        out.push({
          resource_uuid: resource.id,
          deployment_uuid: row.id,
          message: `${action === 'deploy' ? 'Deployment' : action === 'stop' ? 'Stop' : 'Restart'} of ${resource.name} queued.`,
        })
      }
      return out
    })
    for (const w of wake) events.publish({ type: 'deployment.queued', teamId, ...w })
    return result
  }

  /**
   * After a deployment of a service that asks for it (auto_rollback) failed its health gate:
   * queues a deployment of the last compose version that passed, recorded as a rollback that
   * names the failed one. A rollback is never itself rolled back. Returns the rollback, if queued.
   */
  async function queueAutoRollback(failed: DeploymentRow): Promise<DeploymentRow | undefined> {
    if (failed.action !== 'deploy' || failed.rollback_of) return undefined
    const queued = await db.transaction().execute(async (trx) => {
      const resource = await findTeamResource(trx, failed.team_id, failed.resource_id).catch((error: unknown) => {
        // Deleted while it was deploying: there is nothing left to roll back.
        if (error instanceof NotFoundError) return undefined
        throw error
      })
      if (!resource?.autoRollback) return undefined
      const version = await lastPassedVersion(trx, resource.id, failed.compose_version)
      if (version === undefined) return undefined
      const server = await serverForResource(trx, resource.serverId)
      return queueAudited(
        trx,
        {
          teamId: failed.team_id,
          resource,
          server,
          action: 'deploy',
          trigger: 'rollback',
          createdBy: SYSTEM_ACTOR.name,
          targetVersion: version,
          rollbackOf: failed.id,
        },
        { ...SYSTEM_ACTOR, teamId: failed.team_id },
        'deployment.rollback_queued',
        { rollback_of: failed.id, compose_version: version },
      )
    })
    if (!queued) return undefined
    events.publish(deploymentQueued(queued))
    return queued
  }

  /**
   * Part of a routing change, inside its transaction: a service that already runs gets its routed
   * containers connected to the proxy network now (an `attach` deployment, run by the worker),
   * so a new route answers without a redeploy. Nothing for a service never deployed (its first
   * deploy attaches them) or one with an attach already queued. The worker notices the route
   * change event and claims it.
   */
  async function queueAttach(trx: Kysely<DB>, teamId: string, serviceId: string, actor: Actor) {
    if (!(await wasDeployed(trx, serviceId)) || (await findQueued(trx, serviceId, 'attach'))) return
    const resource = await findTeamResource(trx, teamId, serviceId)
    const server = await serverForResource(trx, resource.serverId)
    await queueAudited(
      trx,
      { teamId, resource, server, action: 'attach', trigger: triggerOf(actor.via), createdBy: actor.name },
      actor,
      'deployment.attach',
      { server_id: server.id },
    )
  }

  /** A new queued deployment and its audit row (which names it), in the caller's transaction. */
  async function queueAudited(
    trx: Kysely<DB>,
    deployment: NewDeployment,
    actor: Actor,
    action: string,
    details: Record<string, unknown>,
  ) {
    const row = await insertQueued(trx, deployment)
    await audit.record(trx, actor, {
      action,
      resourceType: deployment.resource.type,
      resourceId: deployment.resource.id,
      details: { deployment_id: row.id, ...details },
    })
    return row
  }

  /**
   * Part of an instance-level change (the proxy of a server), inside its transaction: records the
   * deployment under INSTANCE_TEAM_ID, coalesced with a queued one of the same action. The caller
   * writes its own audit row in the same transaction and calls `announce` after the commit.
   */
  async function queueInstance(
    trx: Kysely<DB>,
    input: {
      resource: { type: ResourceType; id: string; name: string }
      server: Pick<ServerTable, 'id' | 'name'>
      action: DeploymentAction
      actor: Actor
      targetVersion?: number
    },
  ) {
    const queued = await findQueued(trx, input.resource.id, input.action)
    // Already queued: its worker was woken when it was queued, so there is nothing to announce.
    if (queued && queued.target_version === (input.targetVersion ?? null))
      return { row: queued, announce: () => undefined }
    const row = await insertQueued(trx, {
      teamId: INSTANCE_TEAM_ID,
      resource: input.resource,
      server: input.server,
      action: input.action,
      trigger: triggerOf(input.actor.via),
      createdBy: input.actor.name,
      targetVersion: input.targetVersion,
    })
    return {
      row,
      announce() {
        events.publish(deploymentQueued(row))
      },
    }
  }

  /** A queued deployment is cancelled at once; a running one is killed by its worker. */
  async function cancel(teamId: string, deploymentId: string, actor: Actor) {
    const outcome = await db.transaction().execute(async (trx) => {
      const d = await findTeamDeployment(trx, teamId, deploymentId)
      if (d.status !== 'queued' && d.status !== 'in_progress')
        throw new ConflictError('not_cancellable', `Deployment ${deploymentId} has already ended (${d.status}).`, {
          status: d.status,
        })
      await audit.record(trx, actor, {
        action: 'deployment.cancelled',
        resourceType: d.resource_type,
        resourceId: d.resource_id,
        details: { deployment_id: d.id, was: d.status },
      })
      if (d.status === 'queued') {
        const message = `cancelled by ${actor.name} before it started`
        await cancelQueued(trx, d.id, message)
        await onFinished?.(trx, d, { status: 'cancelled-by-user', message, redact: (text) => text })
      }
      // The worker running it may be another Berth process on this database: it reads this on its next heartbeat.
      else await requestCancel(trx, d.id, actor.name)
      return d
    })
    if (outcome.status === 'queued') {
      events.publish(deploymentFinished(outcome, 'cancelled-by-user'))
    } else {
      events.publish({ type: 'deployment.cancel_requested', teamId, deploymentId, by: actor.name })
    }
    return {
      deployment_uuid: deploymentId,
      message:
        outcome.status === 'queued'
          ? 'Cancelled before it started.'
          : 'Cancelling: the compose process group is being stopped.',
    }
  }

  /**
   * Part of deleting a resource, inside the transaction that deletes its rows: records a `remove`
   * deployment (the worker takes down its containers, networks and volumes) and cancels its queued
   * deployments, which could no longer find it. Never refused for a full queue: a deletion must not
   * leave containers behind because the server was busy. Call `announce` after the commit.
   */
  async function queueRemoval(
    trx: Kysely<DB>,
    {
      resource,
      actor,
      trigger,
      volumes,
    }: { resource: Resource; actor: Actor; trigger: DeploymentTrigger; volumes: boolean },
  ) {
    const message = `the ${resource.type} was deleted by ${actor.name}`
    const queued = await listQueuedOf(trx, resource.id)
    for (const d of queued) await cancelQueued(trx, d.id, message)
    const server = await serverForResource(trx, resource.serverId)
    const row = await insertQueued(trx, {
      teamId: resource.teamId,
      resource,
      server,
      action: 'remove',
      trigger,
      createdBy: actor.name,
      removeVolumes: volumes,
    })
    return {
      deploymentId: row.id,
      announce() {
        for (const d of queued) events.publish(deploymentFinished(d, 'cancelled-by-user'))
        events.publish(deploymentQueued(row))
      },
    }
  }

  /**
   * For a deleted service or project: queueRemoval for a resource deployed at least once; null
   * for one never deployed, which cannot have left anything running.
   */
  async function queueRemovalIfDeployed(trx: Kysely<DB>, resource: Resource, actor: Actor, opts: { volumes: boolean }) {
    return (await wasDeployed(trx, resource.id))
      ? queueRemoval(trx, { resource, actor, trigger: triggerOf(actor.via), volumes: opts.volumes })
      : null
  }

  async function get(teamId: string, deploymentId: string, type?: ResourceType) {
    const d = await findTeamDeployment(db, teamId, deploymentId)
    if (type && d.resource_type !== type)
      throw new BadRequestError(
        'wrong_resource_type',
        `Deployment ${deploymentId} is a ${d.resource_type} deployment, not a ${type} one.`,
      )
    return d
  }

  /** A page of a deployment's log: lines after sequence number `after`, hidden ones only when asked. */
  async function logs(
    teamId: string,
    deploymentId: string,
    { after, limit, includeHidden }: { after: number; limit: number; includeHidden: boolean },
  ) {
    const d = await findTeamDeployment(db, teamId, deploymentId)
    const rows = await readLogs(db, d.id, after, limit)
    const lastSeq = rows.length > 0 ? rows[rows.length - 1]!.seq : after
    const lines = rows
      .filter((r) => includeHidden || r.hidden === 0)
      .map((r) => ({ seq: r.seq, ts: r.ts, stream: r.stream, output: r.output, hidden: r.hidden === 1 }))
    return { deployment_uuid: d.id, status: d.status, lines, next_after: lastSeq, has_more: rows.length === limit }
  }

  return {
    queue,
    queueAutoRollback,
    queueAttach,
    queueRemoval,
    queueRemovalIfDeployed,
    queueInstance,
    cancel,
    get,
    logs,
    listActive: (teamId: string) => listActive(db, teamId),
    listTeam: (teamId: string, skip: number, take: number) => listTeam(db, teamId, skip, take),
    /** A resource's history; it outlives a deleted resource, but an id the team never had is 404. */
    async listForResource(
      teamId: string,
      { type, resourceId, skip, take }: { type: ResourceType; resourceId: string; skip: number; take: number },
    ) {
      const page = await listForResource(db, { teamId, type, resourceId, skip, take })
      if (page.count === 0) await findTeamResource(db, teamId, resourceId, type)
      return page
    },
  }
}

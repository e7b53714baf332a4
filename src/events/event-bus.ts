import { EventEmitter } from 'node:events'
import type { ResourceType } from '../db/schema.js'

/**
 * Facts that other modules react to, published by services only after their transaction has
 * committed (so a listener never sees a change that may still roll back). Add new kinds here.
 */
export type BerthEvent =
  | { type: 'compose.changed'; teamId: string; serviceId: string; version: number }
  | { type: 'service.deleted'; teamId: string; serviceId: string }
  | { type: 'project.deleted'; teamId: string; projectId: string }
  | { type: 'domain.changed'; teamId: string; projectId: string; domainId: string }
  | { type: 'route.changed'; teamId: string; projectId: string; routeId: string }
  | { type: 'middleware.changed'; teamId: string; projectId: string; middlewareId: string }
  | { type: 'settings.changed'; keys: string[] }
  // Deployments: the worker of serverId wakes on "queued"; SSE streams follow "log" and "finished";
  // the team's event stream (events.routes.ts) forwards queued, started and finished to the UI.
  | {
      type: 'deployment.queued'
      teamId: string
      deploymentId: string
      resourceId: string
      resourceType: ResourceType
      serverId: string
    }
  | {
      type: 'deployment.started'
      teamId: string
      deploymentId: string
      resourceId: string
      resourceType: ResourceType
      serverId: string
    }
  | { type: 'deployment.cancel_requested'; teamId: string; deploymentId: string; by: string }
  | { type: 'deployment.log'; deploymentId: string; lastSeq: number }
  | {
      type: 'deployment.finished'
      teamId: string
      deploymentId: string
      resourceId: string
      resourceType: ResourceType
      serverId: string
      status: 'finished' | 'failed' | 'cancelled-by-user'
    }

type FinishedEvent = Extract<BerthEvent, { type: 'deployment.finished' }>
type DeploymentFacts = {
  id: string
  team_id: string
  resource_id: string
  resource_type: FinishedEvent['resourceType']
  server_id: string
}

/** The "deployment queued" fact for a new deployment row. */
export function deploymentQueued(d: DeploymentFacts): Extract<BerthEvent, { type: 'deployment.queued' }> {
  return {
    type: 'deployment.queued',
    teamId: d.team_id,
    deploymentId: d.id,
    resourceId: d.resource_id,
    resourceType: d.resource_type,
    serverId: d.server_id,
  }
}

/** The "deployment ended" fact for a deployment row, whichever way it ended. */
export function deploymentFinished(d: DeploymentFacts, status: FinishedEvent['status']): FinishedEvent {
  return {
    type: 'deployment.finished',
    teamId: d.team_id,
    deploymentId: d.id,
    resourceId: d.resource_id,
    resourceType: d.resource_type,
    serverId: d.server_id,
    status,
  }
}

export type EventBus = ReturnType<typeof createEventBus>

export function createEventBus(onListenerError: (error: unknown, event: BerthEvent) => void) {
  const emitter = new EventEmitter()
  // Every open log stream (SSE) listens; there is no fixed small number of listeners.
  emitter.setMaxListeners(0)

  /** Publishes an event; call it after the transaction that caused it has committed. */
  function publish(event: BerthEvent): void {
    emitter.emit(event.type, event)
  }

  /**
   * Subscribes to one kind of event. Listener failures are reported, never thrown into the
   * publisher: the change they react to is already committed and must still be answered as done.
   */
  function on<T extends BerthEvent['type']>(
    type: T,
    listener: (event: Extract<BerthEvent, { type: T }>) => void | Promise<void>,
  ): () => void {
    const wrapped = (event: Extract<BerthEvent, { type: T }>) => {
      try {
        const result = listener(event)
        if (result instanceof Promise) result.catch((error: unknown) => onListenerError(error, event))
      } catch (error) {
        onListenerError(error, event)
      }
    }
    emitter.on(type, wrapped)
    return () => emitter.off(type, wrapped)
  }

  return { publish, on }
}

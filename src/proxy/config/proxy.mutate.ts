import type { Kysely } from 'kysely'
import type { AuditService } from '../../audit/audit.service.js'
import type { DB } from '../../db/schema.js'
import type { BerthEvent, EventBus } from '../../events/event-bus.js'
import { assertProjectRenders, assertRouteRenders } from '../sync/proxy.check.js'

export type RoutingDeps = { db: Kysely<DB>; audit: Pick<AuditService, 'record'>; events: Pick<EventBus, 'publish'> }

/**
 * A routing change applied inside a transaction: which project it touched, what to return, what to
 * announce, and `routeId` when it changed that one route and nothing else (created, updated or
 * deleted it), which is then the only route checked (assertRouteRenders).
 */
export type RoutingChange<T> = { projectId: string; routeId?: string; value: T; event: BerthEvent }
export type RoutingOp<T> = (trx: Kysely<DB>) => Promise<RoutingChange<T>>

/**
 * Runs a routing change in one transaction (with its audit row), renders the project (or the one
 * route) as changed and rolls everything back with 422 if the proxy configuration would be
 * invalid; announces the change only after the commit, so the sync service never renders an
 * uncommitted state.
 */
export async function commitRoutingChange<T>({ db, events }: RoutingDeps, op: RoutingOp<T>): Promise<T> {
  const change = await db.transaction().execute(async (trx) => {
    const result = await op(trx)
    if (result.routeId !== undefined) await assertRouteRenders(trx, result.routeId)
    else await assertProjectRenders(trx, result.projectId)
    return result
  })
  events.publish(change.event)
  return change.value
}

class RolledBack<T> extends Error {
  constructor(readonly value: T) {
    super('preview transaction rolled back on purpose')
  }
}

/** Runs `fn` in a transaction that is always rolled back: a preview sees the change, the database never keeps it. */
export async function inRolledBackTransaction<T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  try {
    await db.transaction().execute(async (trx) => {
      throw new RolledBack(await fn(trx))
    })
  } catch (error) {
    // The only error swallowed here is our own marker, thrown to force the rollback.
    if (error instanceof RolledBack) return error.value as T
    throw error
  }
  throw new Error('unreachable: the preview transaction committed')
}

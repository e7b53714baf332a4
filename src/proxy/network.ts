import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

export { PROJECT_NETWORK_LABEL, PROXY_LABEL, PROXY_NETWORK, projectNetwork, upstreamAlias } from './proxy.model.js'

/**
 * The compose service names of a Berth service that active routes on active domains target: the
 * deployment renderer attaches exactly these to their project's network `projectNetwork(id)` (external),
 * with the alias `upstreamAlias(serviceId, name)` that the rendered proxy configuration dials.
 * Sorted and unique, so the rendered compose file is deterministic.
 */
export async function composeServicesToAttach(db: Kysely<DB>, serviceId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('proxy_routes')
    .innerJoin('proxy_domains', 'proxy_domains.id', 'proxy_routes.domain_id')
    .select('proxy_routes.compose_service')
    .distinct()
    .where('proxy_routes.service_id', '=', serviceId)
    .where('proxy_routes.target_type', '=', 'service')
    .where('proxy_routes.active', '=', 1)
    .where('proxy_domains.active', '=', 1)
    .orderBy('proxy_routes.compose_service')
    .execute()
  return rows.map((r) => r.compose_service).filter((name): name is string => name !== null)
}

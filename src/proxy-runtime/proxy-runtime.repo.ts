import type { Kysely } from 'kysely'
import type { DB, ServerProxyTable, ServerProxyVersionTable } from '../db/schema.js'
import { nowIso } from '../db/time.js'

export type ServerProxyRow = ServerProxyTable
export type ProxyVersionRow = Omit<ServerProxyVersionTable, 'id'>

export async function findProxyOfServer(db: Kysely<DB>, serverId: string): Promise<ServerProxyRow | undefined> {
  return db.selectFrom('server_proxies').selectAll().where('server_id', '=', serverId).executeTakeFirst()
}

export async function findProxy(db: Kysely<DB>, proxyId: string): Promise<ServerProxyRow | undefined> {
  return db.selectFrom('server_proxies').selectAll().where('id', '=', proxyId).executeTakeFirst()
}

export async function insertProxy(db: Kysely<DB>, row: ServerProxyRow): Promise<void> {
  await db.insertInto('server_proxies').values(row).execute()
}

/**
 * Moves the current version from `base` to `base + 1` (a compare-and-set: of two writers from one
 * base, one wins) and stores the spec that version was rendered from.
 */
export async function advanceVersion(
  db: Kysely<DB>,
  proxy: Pick<ServerProxyRow, 'id' | 'current_version'>,
  spec: Pick<ServerProxyRow, 'kind' | 'image' | 'binary_path' | 'extra_mounts'>,
): Promise<boolean> {
  const result = await db
    .updateTable('server_proxies')
    .set({ ...spec, current_version: proxy.current_version + 1, updated_at: nowIso() })
    .where('id', '=', proxy.id)
    .where('current_version', '=', proxy.current_version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function setDesiredState(db: Kysely<DB>, proxyId: string, state: 'running' | 'stopped') {
  await db
    .updateTable('server_proxies')
    .set({ desired_state: state, updated_at: nowIso() })
    .where('id', '=', proxyId)
    .execute()
}

export async function insertVersion(db: Kysely<DB>, row: ProxyVersionRow): Promise<void> {
  await db.insertInto('server_proxy_versions').values(row).execute()
}

export async function findVersion(db: Kysely<DB>, proxyId: string, version: number) {
  return db
    .selectFrom('server_proxy_versions')
    .select(['proxy_id', 'version', 'kind', 'image', 'compose_yaml', 'sha256', 'author', 'reason', 'created_at'])
    .where('proxy_id', '=', proxyId)
    .where('version', '=', version)
    .executeTakeFirst()
}

/** Newest first. */
export async function listVersions(db: Kysely<DB>, proxyId: string) {
  return db
    .selectFrom('server_proxy_versions')
    .select(['version', 'kind', 'image', 'compose_yaml', 'sha256', 'author', 'reason', 'created_at'])
    .where('proxy_id', '=', proxyId)
    .orderBy('version', 'desc')
    .execute()
}

export async function listProxies(db: Kysely<DB>): Promise<ServerProxyRow[]> {
  return db.selectFrom('server_proxies').selectAll().execute()
}

import type { Kysely } from 'kysely'
import type { DB, RegistryCredentialTable } from '../db/schema.js'

export type RegistryRow = RegistryCredentialTable

export async function listRegistries(db: Kysely<DB>, teamId: string): Promise<RegistryRow[]> {
  return db.selectFrom('registry_credentials').selectAll().where('team_id', '=', teamId).orderBy('host').execute()
}

export async function findRegistry(db: Kysely<DB>, teamId: string, id: string): Promise<RegistryRow | undefined> {
  return db
    .selectFrom('registry_credentials')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('id', '=', id)
    .executeTakeFirst()
}

export async function registryHostTaken(db: Kysely<DB>, teamId: string, host: string): Promise<boolean> {
  const row = await db
    .selectFrom('registry_credentials')
    .select('id')
    .where('team_id', '=', teamId)
    .where('host', '=', host)
    .executeTakeFirst()
  return row !== undefined
}

export async function insertRegistry(db: Kysely<DB>, row: RegistryRow) {
  await db.insertInto('registry_credentials').values(row).execute()
}

export async function updateRegistry(db: Kysely<DB>, id: string, changes: Partial<RegistryRow>) {
  await db.updateTable('registry_credentials').set(changes).where('id', '=', id).execute()
}

export async function deleteRegistry(db: Kysely<DB>, id: string) {
  await db.deleteFrom('registry_credentials').where('id', '=', id).execute()
}

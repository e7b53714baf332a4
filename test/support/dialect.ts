import { basename } from 'node:path'
import pg from 'pg'

/** The dialect this test run targets: scripts/test.mjs runs the integration suite once per dialect. */
export const TEST_DIALECT: 'sqlite' | 'postgres' = process.env.BERTH_TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite'

function adminUrl(): string {
  const url = process.env.BERTH_TEST_POSTGRES_URL
  if (!url)
    throw new Error(
      'BERTH_TEST_DIALECT=postgres needs BERTH_TEST_POSTGRES_URL (scripts/test.mjs starts a server and sets it)',
    )
  return url
}

function databaseNameFor(dataDir: string): string {
  return `berth_${basename(dataDir)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '_')}`
}

async function withAdmin<T>(action: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() })
  await client.connect()
  try {
    return await action(client)
  } finally {
    await client.end()
  }
}

/** Settings that point Berth at this run's database: a fresh PostgreSQL database per data dir, or the SQLite default. */
export async function databaseEnvFor(dataDir: string): Promise<Record<string, string>> {
  if (TEST_DIALECT === 'sqlite') return {}
  const name = databaseNameFor(dataDir)
  await withAdmin(async (client) => {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name])
    if (exists.rowCount === 0) await client.query(`create database "${name}"`)
  })
  const url = new URL(adminUrl())
  url.pathname = `/${name}`
  return { DATABASE_URL: url.toString() }
}

export async function dropTestDatabase(dataDir: string): Promise<void> {
  if (TEST_DIALECT === 'sqlite') return
  await withAdmin((client) => client.query(`drop database if exists "${databaseNameFor(dataDir)}" with (force)`))
}

/** For tests of SQLite-only behaviour (files on disk, backups of the embedded database). */
export const sqliteOnly = TEST_DIALECT === 'sqlite' ? false : 'SQLite-specific: this run targets PostgreSQL'

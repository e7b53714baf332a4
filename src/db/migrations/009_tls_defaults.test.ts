import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import * as m001 from './001_foundation.js'
import * as m002 from './002_deployments.js'
import * as m003 from './003_proxy.js'
import * as m004 from './004_backups.js'
import * as m005 from './005_worker_claims.js'
import * as m006 from './006_remove_volumes.js'
import * as m007 from './007_tenancy.js'
import * as m009 from './009_tls_defaults.js'

describe('migration 009 (TLS modes) on an existing install', () => {
  it('turns tls = 1 into tls_mode "acme" and tls = 0 into "none", and drops the flag', async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
    for (const m of [m001, m002, m003, m004, m005, m006, m007]) await m.up(db, 'sqlite')
    const at = '2026-01-01T00:00:00.000Z'
    await db.insertInto('teams').values({ id: 'team', name: 'Default', created_at: at }).execute()
    await db
      .insertInto('projects')
      .values({ id: 'project', team_id: 'team', name: 'shop', description: '', created_at: at, updated_at: at })
      .execute()
    const domain = (id: string, tls: number) => ({
      id,
      project_id: 'project',
      domain: `${id}.example.com`,
      subdomain: null,
      full_domain: `${id}.example.com`,
      tls,
      cert_resolver: null,
      active: 1,
      created_at: at,
      updated_at: at,
    })
    await db
      .insertInto('proxy_domains')
      .values([domain('secure', 1), domain('plain', 0)])
      .execute()

    await m009.up(db, 'sqlite')

    const rows = await db.selectFrom('proxy_domains').selectAll().orderBy('id').execute()
    assert.deepEqual(
      rows.map((r) => [r.id, r.tls_mode]),
      [
        ['plain', 'none'],
        ['secure', 'acme'],
      ],
    )
    assert.ok(rows.every((r) => !('tls' in r)))
    await db.destroy()
  })
})

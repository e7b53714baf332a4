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

describe('migration 007 (tenancy) on an existing install', () => {
  it("makes the first team's owners instance administrators, keeps other owners team owners, marks the default server", async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
    for (const m of [m001, m002, m003, m004, m005, m006]) await m.up(db, 'sqlite')
    const at = (n: number) => `2026-01-0${n}T00:00:00.000Z`
    await db
      .insertInto('teams')
      .values([
        { id: 'team-first', name: 'Default', created_at: at(1) },
        { id: 'team-other', name: 'Other', created_at: at(2) },
      ])
      .execute()
    const user = (id: string, role: string) => ({
      id,
      email: `${id}@example.com`,
      name: id,
      password_hash: 'x',
      role,
      created_at: at(3),
    })
    await db
      .insertInto('users')
      .values([user('first-admin', 'admin'), user('first-member', 'member'), user('other-admin', 'admin')])
      .execute()
    await db
      .insertInto('memberships')
      .values([
        { team_id: 'team-first', user_id: 'first-admin', role: 'owner', created_at: at(3) },
        { team_id: 'team-first', user_id: 'first-member', role: 'member', created_at: at(3) },
        { team_id: 'team-other', user_id: 'other-admin', role: 'owner', created_at: at(3) },
      ])
      .execute()
    await db.updateTable('servers').set({ name: 'localhost' }).execute()

    await m007.up(db, 'sqlite')

    const users = await db.selectFrom('users').select(['id', 'instance_admin', 'disabled_at']).orderBy('id').execute()
    assert.deepEqual(
      users.map((u) => [u.id, u.instance_admin, u.disabled_at]),
      [
        ['first-admin', 1, null],
        ['first-member', 0, null],
        ['other-admin', 0, null],
      ],
    )
    const roles = await db.selectFrom('memberships').select(['user_id', 'role']).orderBy('user_id').execute()
    assert.equal(roles.find((r) => r.user_id === 'other-admin')?.role, 'owner')
    const servers = await db.selectFrom('servers').select(['name', 'is_default']).execute()
    assert.deepEqual(servers, [{ name: 'localhost', is_default: 1 }])
    await db.destroy()
  })
})

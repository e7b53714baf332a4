import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { globalsForRestore, globalsLineForRestore, pgGlobalsCommands } from './pg-globals.js'
import { readAll } from './streams.js'

describe('PostgreSQL globals', () => {
  it('creates only missing roles and never alters the role Berth connects as', () => {
    assert.equal(
      globalsLineForRestore('CREATE ROLE reporting;', 'berth'),
      'DO $berth$ BEGIN CREATE ROLE reporting; EXCEPTION WHEN duplicate_object THEN NULL; END $berth$;',
    )
    assert.equal(globalsLineForRestore('CREATE ROLE berth;', 'berth'), null)
    assert.equal(globalsLineForRestore("ALTER ROLE berth WITH SUPERUSER PASSWORD 'md5x';", 'berth'), null)
    assert.equal(globalsLineForRestore('ALTER ROLE "Berth" WITH LOGIN;', 'Berth'), null)
    const other = "ALTER ROLE reporting WITH LOGIN PASSWORD 'SCRAM-SHA-256$x';"
    assert.equal(globalsLineForRestore(other, 'berth'), other)
    assert.equal(
      globalsLineForRestore('GRANT pg_read_all_data TO reporting;', 'berth'),
      'GRANT pg_read_all_data TO reporting;',
    )
  })

  it('rewrites a stream whose chunks split lines', async () => {
    const input = Readable.from([
      Buffer.from('CREATE ROLE rep'),
      Buffer.from('orting;\nALTER ROLE berth WITH LOGIN;\n-- end'),
    ])
    const out = (await readAll(input.pipe(globalsForRestore('berth')))).toString()
    assert.equal(
      out,
      'DO $berth$ BEGIN CREATE ROLE reporting; EXCEPTION WHEN duplicate_object THEN NULL; END $berth$;\n-- end\n',
    )
  })

  it('passes the password by environment only', () => {
    const c = pgGlobalsCommands('berth', 'app', 'planted-Pw_1')
    for (const cmd of [c.dump, c.restore]) {
      assert.ok(!cmd.argv.join(' ').includes('planted-'))
      assert.equal(cmd.env.PGPASSWORD, 'planted-Pw_1')
    }
  })
})

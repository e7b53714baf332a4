import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DATABASE_TYPES } from '../databases/templates.js'
import { engineCommands } from './engines.js'

const creds = { user: 'berth', password: 'planted-Pw_123', rootPassword: 'planted-Root_456', database: 'app' }

describe('dump and restore command lines', () => {
  it('never put a password on a command line: only in the environment passed by name', () => {
    for (const type of DATABASE_TYPES) {
      const c = engineCommands(type, creds)
      if (typeof c === 'string') continue
      for (const cmd of [c.dump, c.restore]) {
        const argv = cmd.argv.join(' ')
        assert.ok(!argv.includes('planted-'), `${type}: ${argv}`)
        assert.ok(
          Object.values(cmd.env).some((v) => v.startsWith('planted-')),
          `${type} passes a credential`,
        )
      }
    }
  })

  it('dumps each engine in its own consistent, restorable format', () => {
    const pg = engineCommands('postgresql', creds)
    assert.ok(typeof pg !== 'string')
    assert.deepEqual(pg.dump.argv.slice(0, 2), ['pg_dump', '-Fc'])
    assert.ok(pg.restore.argv.includes('--single-transaction'))
    const maria = engineCommands('mariadb', creds)
    assert.ok(typeof maria !== 'string')
    assert.deepEqual(maria.dump.argv.slice(0, 2), ['mariadb-dump', '--single-transaction'])
    assert.equal(maria.dump.env.MYSQL_PWD, creds.rootPassword)
    const mysql = engineCommands('mysql', creds)
    assert.ok(typeof mysql !== 'string' && mysql.dump.argv[0] === 'mysqldump')
    // MongoDB is not in Debian, so it is not run here: its command is checked as text.
    const mongo = engineCommands('mongodb', creds)
    assert.ok(typeof mongo !== 'string')
    assert.match(mongo.dump.argv[2]!, /mongodump --config="\$conf" .*--archive --gzip/)
    assert.match(mongo.restore.argv[2]!, /mongorestore --config="\$conf" .*--archive --gzip --drop/)
    const redis = engineCommands('redis', creds)
    assert.ok(typeof redis !== 'string' && redis.restartsAfterRestore)
    assert.match(redis.dump.argv[2]!, /BGSAVE/)
    assert.equal(redis.dump.env.REDISCLI_AUTH, creds.password)
    const clickhouse = engineCommands('clickhouse', creds)
    assert.ok(typeof clickhouse !== 'string')
    assert.match(clickhouse.dump.argv[2]!, /FORMAT Native/)
    assert.equal(clickhouse.dump.env.BERTH_DB_PASSWORD, creds.password)
  })
})

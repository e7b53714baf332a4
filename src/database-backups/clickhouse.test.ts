// ClickHouse is not in Debian and no image registry is reachable, so no real server runs here.
// The dump and restore scripts run for real in sh, against a FAKE clickhouse-client (a shell
// script that answers the scripts' queries and records what it was asked): this checks the
// record stream and its parsing, not ClickHouse itself.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { CLICKHOUSE_MAGIC, clickhouseCommands } from './clickhouse.js'

const FAKE_CLIENT = `#!/bin/sh
t=""; q=""; for a in "$@"; do case "$a" in --param_t=*) t="\${a#--param_t=}" ;; esac; done
while [ $# -gt 0 ]; do [ "$1" = --query ] && q="$2"; shift; done
echo "asked: $q [$t] user=$BERTH_DB_USER" >> "$FAKE_LOG"
case "$q" in
  *system.tables*) printf 'events\\tMergeTree\\nby day\\tView\\n' ;;
  SHOW*) echo "CREATE TABLE \\\`app\\\`.\\\`$t\\\` (x Int8)" ;;
  SELECT*) printf 'rows of %s\\n' "$t" ;;
  INSERT*|"") { echo "stdin [$t]:"; cat; } >> "$FAKE_LOG" ;;
esac
`

describe('ClickHouse dump and restore scripts (fake client)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-clickhouse-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'clickhouse-client'), FAKE_CLIENT)
  chmodSync(join(dir, 'clickhouse-client'), 0o755)
  const commands = clickhouseCommands({ user: 'berth', password: 'pw', rootPassword: 'root', database: 'app' })
  const run = (argv: string[], env: Record<string, string>, input: Buffer | string | undefined, log: string) =>
    spawnSync(argv[0]!, argv.slice(1), {
      input,
      env: { PATH: `${dir}:${process.env.PATH}`, FAKE_LOG: join(dir, log), ...env },
    })

  it('dumps every table as a schema and a rows record, views as a schema only, and restores them in order', () => {
    const dump = run(commands.dump.argv, commands.dump.env, undefined, 'dump.log')
    assert.equal(dump.status, 0, dump.stderr.toString())
    const text = dump.stdout.toString()
    assert.ok(text.startsWith(`${CLICKHOUSE_MAGIC}\n`))
    // The table's own database prefix is gone, so a restore creates it where it runs.
    assert.match(text, /^schema \d+ events\nCREATE TABLE `events` \(x Int8\)\n/m)
    assert.match(text, /^data 15 events\nrows of events\n/m)
    assert.match(text, /^schema \d+ by day\n/m)
    assert.doesNotMatch(text, /^data \d+ by day/m)

    const restore = run(commands.restore.argv, commands.restore.env, dump.stdout, 'restore.log')
    assert.equal(restore.status, 0, restore.stderr.toString())
    const log = readFileSync(join(dir, 'restore.log'), 'utf8')
    assert.deepEqual(
      log
        .split('\n')
        .filter(
          (line) =>
            line.startsWith('asked') ||
            line.startsWith('stdin') ||
            line.startsWith('rows') ||
            line.startsWith('CREATE'),
        ),
      [
        'asked: DROP TABLE IF EXISTS {t:Identifier} SYNC [events] user=berth',
        'asked:  [] user=berth',
        'stdin []:',
        'CREATE TABLE `events` (x Int8)',
        'asked: INSERT INTO {t:Identifier} FORMAT Native [events] user=berth',
        'stdin [events]:',
        'rows of events',
        'asked: DROP TABLE IF EXISTS {t:Identifier} SYNC [by day] user=berth',
        'asked:  [] user=berth',
        'stdin []:',
        'CREATE TABLE `by day` (x Int8)',
      ],
    )
  })

  it('refuses a file that is not its dump, and a dump cut inside a record', () => {
    const foreign = run(commands.restore.argv, commands.restore.env, 'PGDMP\n', 'foreign.log')
    assert.notEqual(foreign.status, 0)
    assert.match(foreign.stderr.toString(), /not a Berth ClickHouse dump/)
    const cut = run(
      commands.restore.argv,
      commands.restore.env,
      `${CLICKHOUSE_MAGIC}\nschema 500 events\nCREATE`,
      'cut.log',
    )
    assert.notEqual(cut.status, 0)
    assert.match(cut.stderr.toString(), /ends inside the schema of events/)
  })
})

// A second process that commits N small transactions to a Berth SQLite file, one at a time,
// printing the count after each; used to show backups are consistent under concurrent writes.
import Database from 'better-sqlite3'

const [path, count] = [process.argv[2], Number(process.argv[3])]
const db = new Database(path)
db.pragma('busy_timeout = 5000')
const insert = db.prepare(
  "insert into audit_log (team_id, actor_type, actor_id, actor_name, via, action, resource_type, resource_id, ip, details, created_at) values (null, 'system', null, 'writer', 'test', 'writer.tick', null, ?, null, '{}', ?)",
)
for (let i = 1; i <= count; i++) {
  db.transaction(() => insert.run(String(i), new Date().toISOString()))()
  process.stdout.write(`${i}\n`)
  // A short pause keeps the writer busy for about a second, so the backup surely overlaps it.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1)
}
db.close()

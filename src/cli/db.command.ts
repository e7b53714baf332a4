import { Command } from 'commander'
import { sql } from 'kysely'
import { withApp } from './context.js'

export function dbCommand(): Command {
  const db = new Command('db').description('Database maintenance (SQLite)')
  db.command('checkpoint')
    .description('Copy the WAL into the database file and truncate the WAL')
    .action(async () => {
      await withApp(async (app) => {
        if (app.database.dialect !== 'sqlite') throw new Error('berth db checkpoint is for the embedded SQLite database; PostgreSQL checkpoints by itself')
        const result = await sql<{ busy: number; log: number; checkpointed: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(app.db)
        const row = result.rows[0]
        process.stderr.write(row?.busy ? 'Checkpoint incomplete: another connection is reading; run it again later.\n' : `Checkpointed ${row?.checkpointed ?? 0} pages; the WAL is truncated.\n`)
      })
    })
  db.command('vacuum')
    .description('Rebuild the database file to reclaim free pages')
    .action(async () => {
      await withApp(async (app) => {
        await sql`vacuum`.execute(app.db)
        process.stderr.write('Vacuum done.\n')
      })
    })
  return db
}

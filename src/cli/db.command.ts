import { Command } from 'commander'
import { sql } from 'kysely'
import { resolve } from 'node:path'
import { copySqliteToPostgres } from '../db/copy.js'
import { withApp } from './context.js'

export function dbCommand(): Command {
  const db = new Command('db').description('Database maintenance (SQLite)')
  db.command('checkpoint')
    .description('Copy the WAL into the database file and truncate the WAL')
    .action(async () => {
      await withApp(async (app) => {
        if (app.database.dialect !== 'sqlite')
          throw new Error('berth db checkpoint is for the embedded SQLite database; PostgreSQL checkpoints by itself')
        const result = await sql<{
          busy: number
          log: number
          checkpointed: number
        }>`pragma wal_checkpoint(TRUNCATE)`.execute(app.db)
        const row = result.rows[0]
        process.stderr.write(
          row?.busy
            ? 'Checkpoint incomplete: another connection is reading; run it again later.\n'
            : `Checkpointed ${row?.checkpointed ?? 0} pages; the WAL is truncated.\n`,
        )
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
  db.command('copy')
    .description('Copy an SQLite installation into an empty PostgreSQL database and verify row counts')
    .requiredOption('--from <sqlite:PATH>', 'the SQLite database file, e.g. sqlite:./data/berth.db')
    .requiredOption('--to <postgres://...>', 'an empty PostgreSQL database')
    .action(async (opts: { from: string; to: string }) => {
      if (!/^sqlite:/i.test(opts.from)) throw new Error('--from must look like sqlite:PATH')
      if (!/^postgres(ql)?:\/\//i.test(opts.to))
        throw new Error('--to must look like postgres://user:password@host:5432/database')
      const path = resolve(opts.from.replace(/^sqlite:(\/\/)?/i, ''))
      const report = await copySqliteToPostgres({ dialect: 'sqlite', path }, { dialect: 'postgres', url: opts.to })
      for (const t of report.tables) process.stderr.write(`${t.name.padEnd(28)} ${t.rows} rows, counts match\n`)
      process.stderr.write(
        `Copied ${report.tables.reduce((n, t) => n + t.rows, 0)} rows. Start Berth with DATABASE_URL set to the target (keep BERTH_APP_KEY or the app.key file: secrets are encrypted with it).\n`,
      )
    })
  return db
}

import { Command } from 'commander'
import type { App } from '../app.js'
import { sql } from 'kysely'
import { resolve } from 'node:path'
import { copySqliteToPostgres } from '../db/copy.js'
import { findOwningTeam } from '../services/services.repo.js'
import { cliActor, withApp } from './context.js'

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
  db.command('backup')
    .description("Back up a database Berth runs (its job's destination, or --destination); waits for the outcome")
    .argument('<database>', 'the database uuid')
    .option('--job <uuid>', 'run this backup job (destination, encryption, retention)')
    .option('--destination <uuid>', 'without a job: the backup destination')
    .option('--encrypt', 'without a job: encrypt the artifact')
    .action(async (uuid: string, opts: { job?: string; destination?: string; encrypt?: boolean }) => {
      await withApp(async (app) => {
        const teamId = await owningTeam(app.db, uuid)
        const actor = { ...cliActor(), teamId }
        let jobId = opts.job
        if (jobId === undefined && opts.destination === undefined) {
          const jobs = await app.backupJobs.list(teamId, uuid)
          if (jobs.length !== 1)
            throw new Error(
              `Database ${uuid} has ${jobs.length} backup jobs: name one with --job, or give --destination`,
            )
          jobId = jobs[0]!.id
        }
        const run =
          jobId !== undefined
            ? await app.backupJobs.runNow(teamId, jobId, 'cli', actor)
            : await app.backupRuns.startBackup(
                teamId,
                uuid,
                { destinationId: opts.destination!, jobId: null, encrypt: opts.encrypt ?? false, trigger: 'cli' },
                actor,
              )
        await reportRun(app, teamId, run!.id)
      })
    })
  db.command('restore')
    .description(
      'Restore a backup run into its database (after a safety backup), or with --new into a new database; waits for the outcome',
    )
    .argument('<database>', 'the database uuid')
    .argument('<run>', 'the uuid of the backup run to restore')
    .option('--new <name>', 'create a database with this name from the backup (deployed by the running server)')
    .action(async (uuid: string, runId: string, opts: { new?: string }) => {
      await withApp(async (app) => {
        const teamId = await owningTeam(app.db, uuid)
        const source = await app.backupRuns.get(teamId, runId)
        if (source.database_id !== uuid) throw new Error(`Run ${runId} is a backup of another database`)
        const actor = { ...cliActor(), teamId }
        const run =
          opts.new === undefined
            ? await app.backupRuns.startRestore(teamId, runId, 'cli', actor)
            : await app.backupRuns.startRestoreIntoNew(teamId, runId, opts.new, 'cli', actor)
        if (opts.new !== undefined) process.stderr.write(`Created database ${run.database_id} (${opts.new})\n`)
        await reportRun(app, teamId, run.id)
      })
    })
  return db
}

export async function owningTeam(db: App['db'], uuid: string): Promise<string> {
  // The CLI acts as the host's operator: the database's own team owns the run.
  const teamId = await findOwningTeam(db, uuid)
  if (!teamId) throw new Error(`No database or service ${uuid}`)
  return teamId
}

/** Waits for the run, prints its log to stderr and its id to stdout; a failed run fails the command. */
export async function reportRun(app: App, teamId: string, runId: string) {
  await app.backupRuns.idle()
  for (const line of await app.backupRuns.log(teamId, runId)) process.stderr.write(`${line.output}\n`)
  const run = await app.backupRuns.get(teamId, runId)
  process.stdout.write(`${run.id}\n`)
  if (run.status !== 'succeeded') throw new Error(`${run.kind} run ${run.id} failed: ${run.message}`)
}

import { resolve } from 'node:path'
import { Command } from 'commander'
import { restoreBackup } from '../backups/restore.js'
import { loadConfig } from '../config.js'
import { cliActor, withApp } from './context.js'

export function backupCommand(): Command {
  return new Command('backup')
    .description('Take a verified online backup of the database (safe while the server runs)')
    .option('--out <dir>', 'directory to write the backup to (default: BERTH_BACKUP_DIR)')
    .action(async (opts: { out?: string }) => {
      await withApp(async (app) => {
        const backup = await app.backups.create('cli', cliActor(), opts.out ? resolve(opts.out) : undefined)
        if (backup.status !== 'succeeded') throw new Error(`backup failed: ${backup.error}`)
        process.stderr.write(`Backup verified (integrity ok), ${backup.size_bytes} bytes, sha256 ${backup.sha256}\n`)
        process.stdout.write(`${resolve(backup.directory, backup.file_name)}\n`)
      })
    })
}

export function restoreCommand(): Command {
  return new Command('restore')
    .description('Restore the database from a backup file (the server must be stopped)')
    .argument('<file>', 'a berth-*.db.gz backup with its .sha256 file beside it')
    .action(async (file: string) => {
      const report = await restoreBackup(loadConfig(), resolve(file))
      const lines = [
        `Restored ${resolve(file)} (sha256 ${report.sha256}, integrity ok).`,
        report.safetyCopy
          ? `The previous database was kept as ${report.safetyCopy}.`
          : 'There was no previous database.',
        report.migrationsApplied.length > 0
          ? `Migrated forward: ${report.migrationsApplied.join(', ')}.`
          : 'No migrations were pending.',
      ]
      process.stderr.write(`${lines.join('\n')}\n`)
    })
}

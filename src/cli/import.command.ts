import { resolve } from 'node:path'
import { Command } from 'commander'
import { ensurePrivateDir } from '../db/connection.js'
import { createImportService, type ImportReportLine } from '../imports/import.service.js'
import { cliActor, withApp } from './context.js'

const LABELS: Record<ImportReportLine['outcome'], string> = {
  imported: 'imported        ',
  would_import: 'would import    ',
  already_imported: 'already imported',
  name_in_use: 'skipped         ',
  invalid: 'invalid, skipped',
}

export function importCommand(): Command {
  return new Command('import')
    .description('Import existing compose files from a directory into the database')
    .argument('<dir>', 'directory holding compose.yaml / docker-compose.yml files, or apps/<type>/sites/<name>/ trees')
    .option('--dry-run', 'report what would be imported, change nothing')
    .option('--team <name>', 'team to import into (default: the first team)')
    .action(async (dir: string, opts: { dryRun?: boolean; team?: string }) => {
      const root = resolve(dir)
      const failed = await withApp(async (app) => {
        const teams = await app.users.listTeams()
        const team = opts.team ? teams.find((t) => t.name === opts.team) : teams[0]
        if (!team)
          throw new Error(
            opts.team
              ? `No team named "${opts.team}"`
              : 'There is no team yet: create the first user with "berth user create --admin" first',
          )
        const backupDir = resolve(app.config.dataDir, 'backups')
        ensurePrivateDir(backupDir)
        const importer = createImportService(app)
        const report = await importer.run({
          dir: root,
          teamId: team.id,
          dryRun: opts.dryRun ?? false,
          backupDir,
          actor: { ...cliActor(), teamId: team.id },
        })
        const out = process.stdout
        if (report.backupPath) out.write(`Backup of the database before import: ${report.backupPath}\n`)
        if (report.backupSkipped) out.write(`No backup taken: ${report.backupSkipped}\n`)
        if (report.lines.length === 0) out.write(`No compose files found in ${root}\n`)
        for (const l of report.lines) {
          out.write(
            `${LABELS[l.outcome]}  ${l.file} -> ${l.project}/${l.service}${l.detail ? `  (${l.detail})` : ''}\n`,
          )
        }
        const count = (o: ImportReportLine['outcome']) => report.lines.filter((l) => l.outcome === o).length
        out.write(
          `${opts.dryRun ? 'Dry run: ' : ''}${count(opts.dryRun ? 'would_import' : 'imported')} ${opts.dryRun ? 'to import' : 'imported'}, ` +
            `${count('already_imported')} already imported, ${count('name_in_use')} name conflicts, ${count('invalid')} invalid\n`,
        )
        return count('invalid') + count('name_in_use')
      })
      // Partial success is still reported as a failure so scripts notice the skipped files.
      if (failed > 0) process.exitCode = 1
    })
}

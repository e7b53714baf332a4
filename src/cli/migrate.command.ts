import { Command } from 'commander'
import { withApp } from './context.js'

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Apply pending database migrations (the server also does this at start)')
    .action(async () => {
      // buildApp migrates; report what it did.
      await withApp(async (app) => {
        const { ranNow, applied } = app.migrations
        process.stderr.write(
          ranNow.length > 0
            ? `Applied ${ranNow.join(', ')}\n`
            : `Database is up to date (${applied.length} migrations applied)\n`,
        )
      })
    })
}

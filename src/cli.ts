#!/usr/bin/env node
import { inspect } from 'node:util'
import { Command, CommanderError } from 'commander'
import { backupCommand, restoreCommand } from './cli/backup.command.js'
import { dbCommand } from './cli/db.command.js'
import { deployCommand } from './cli/deploy.command.js'
import { importCommand } from './cli/import.command.js'
import { migrateCommand } from './cli/migrate.command.js'
import { serveCommand } from './cli/serve.command.js'
import { templateCommand } from './cli/template.command.js'
import { tokenCommand } from './cli/token.command.js'
import { userCommand } from './cli/user.command.js'
import { volumeCommand } from './cli/volume.command.js'
import { ConfigError } from './config.js'
import { AppError } from './errors.js'

const program = new Command('berth')
  .description('Berth: a database-first control plane for Docker Compose deployments behind Traefik')
  .showHelpAfterError()
  .exitOverride()

program.addCommand(serveCommand())
program.addCommand(migrateCommand())
program.addCommand(userCommand())
program.addCommand(tokenCommand())
program.addCommand(importCommand())
program.addCommand(backupCommand())
program.addCommand(restoreCommand())
program.addCommand(dbCommand())
program.addCommand(deployCommand())
program.addCommand(templateCommand())
program.addCommand(volumeCommand())

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode)
  // Messages a user can act on are printed alone; anything else keeps its stack for a bug report.
  if (error instanceof ConfigError || error instanceof AppError) process.stderr.write(`berth: ${error.message}\n`)
  else process.stderr.write(`berth: ${inspect(error)}\n`)
  process.exit(1)
}

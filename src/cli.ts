#!/usr/bin/env node
import { inspect } from 'node:util'
import { Command, CommanderError } from 'commander'
import { ConfigError } from './config.js'
import { AppError } from './errors.js'

const program = new Command('berth')
  .description('Berth: a database-first control plane for Docker Compose deployments behind Traefik')
  .showHelpAfterError()
  .exitOverride()

// Each command's module is loaded only when it is the one run: `serve` alone pulls in the HTTP
// server (a second of loading), which `user create` or `token create` never need. Help, or a name
// that is no command, loads them all so commander can list them or suggest one.
const COMMANDS = new Map<string, () => Promise<Command[]>>([
  ['serve', async () => [(await import('./cli/serve.command.js')).serveCommand()]],
  ['migrate', async () => [(await import('./cli/migrate.command.js')).migrateCommand()]],
  ['user', async () => [(await import('./cli/user.command.js')).userCommand()]],
  ['token', async () => [(await import('./cli/token.command.js')).tokenCommand()]],
  ['import', async () => [(await import('./cli/import.command.js')).importCommand()]],
  ['backup', async () => [(await import('./cli/backup.command.js')).backupCommand()]],
  ['restore', async () => [(await import('./cli/backup.command.js')).restoreCommand()]],
  ['db', async () => [(await import('./cli/db.command.js')).dbCommand()]],
  ['deploy', async () => [(await import('./cli/deploy.command.js')).deployCommand()]],
  ['template', async () => [(await import('./cli/template.command.js')).templateCommand()]],
  ['volume', async () => [(await import('./cli/volume.command.js')).volumeCommand()]],
])
const named = COMMANDS.get(process.argv[2] ?? '')
for (const load of named ? [named] : COMMANDS.values()) for (const command of await load()) program.addCommand(command)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode)
  // Messages a user can act on are printed alone; anything else keeps its stack for a bug report.
  if (error instanceof ConfigError || error instanceof AppError) process.stderr.write(`berth: ${error.message}\n`)
  else process.stderr.write(`berth: ${inspect(error)}\n`)
  process.exit(1)
}

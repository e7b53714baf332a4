import { Command } from 'commander'
import { cliActor, readStdin, withApp } from './context.js'

export function userCommand(): Command {
  const user = new Command('user').description('Manage users')
  user
    .command('create')
    .description('Create a user (the password is read from standard input)')
    .requiredOption('--email <email>', 'e-mail address, used to log in')
    .requiredOption('--password-stdin', 'read the password from standard input')
    .option('--name <name>', 'display name')
    .option('--admin', 'make the user an administrator who owns the team')
    .option(
      '--instance-admin',
      'make the user an instance administrator (settings, backups, shared servers, proxy, teams)',
    )
    .option('--team <name>', 'team to join (created when missing; default: the first team)')
    .action(async (opts: { email: string; name?: string; admin?: boolean; instanceAdmin?: boolean; team?: string }) => {
      const password = await readStdin()
      await withApp(async (app) => {
        const created = await app.users.create(
          {
            email: opts.email,
            password,
            name: opts.name,
            admin: opts.admin,
            instanceAdmin: opts.instanceAdmin,
            teamName: opts.team,
          },
          cliActor(),
        )
        process.stderr.write(
          `Created ${created.role}${created.instanceAdmin ? ' (instance administrator)' : ''} ${created.email} (user ${created.id}, team ${created.teamId})\n`,
        )
      })
    })
  return user
}

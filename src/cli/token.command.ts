import { Command } from 'commander'
import { abilitiesOfUser } from '../auth/membership-abilities.js'
import { ABILITIES, parseAbilities } from '../auth/principal.js'
import { cliActor, withApp } from './context.js'

export function tokenCommand(): Command {
  const token = new Command('token').description('Manage API tokens')
  token
    .command('create')
    .description("Create an API token for a user's team; the token alone is printed on stdout")
    .requiredOption('--email <email>', 'the user the token acts for')
    .requiredOption('--name <name>', 'a name to recognise the token by')
    .option('--abilities <list>', `comma list of ${ABILITIES.join(', ')}`, 'read')
    .option('--expires-in-days <days>', 'expire after this many days')
    .action(async (opts: { email: string; name: string; abilities: string; expiresInDays?: string }) => {
      const abilities = parseAbilities(opts.abilities)
      const days = opts.expiresInDays === undefined ? undefined : Number(opts.expiresInDays)
      if (days !== undefined && !(Number.isInteger(days) && days > 0))
        throw new Error('--expires-in-days must be a whole number of days above 0')
      await withApp(async (app) => {
        const user = await app.users.findByEmail(opts.email)
        const membership = user && (await app.users.primaryMembership(user.id))
        if (!user || !membership) throw new Error(`No user with the e-mail ${opts.email}`)
        const expiresAt = days === undefined ? null : new Date(Date.now() + days * 86_400_000).toISOString()
        const created = await app.tokens.create(
          {
            userId: user.id,
            teamId: membership.team_id,
            abilities: new Set(abilitiesOfUser(membership.role, user.instance_admin === 1)),
          },
          { name: opts.name, abilities, expiresAt },
          { ...cliActor(), teamId: membership.team_id },
        )
        process.stderr.write(
          `Created token "${created.name}" (${created.id}) with ${abilities.join(', ')}; it is shown once:\n`,
        )
        process.stdout.write(`${created.token}\n`)
      })
    })
  return token
}

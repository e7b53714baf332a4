import { Command } from 'commander'
import { findOwningTeam } from '../services/services.repo.js'
import { cliActor, withApp } from './context.js'

export function deployCommand(): Command {
  return new Command('deploy')
    .description('Queue deployments of services or databases (the running server runs them)')
    .argument('<uuid...>', 'service or database uuids')
    .option('--force', 'queue even if a deployment of the resource is already queued')
    .option('--pull', 'pull the latest images first')
    .option('--stop-before-start', 'run `docker compose down` first')
    .action(async (uuids: string[], opts: { force?: boolean; pull?: boolean; stopBeforeStart?: boolean }) => {
      await withApp(async (app) => {
        for (const uuid of uuids) {
          // The CLI acts as the host's operator: the resource's own team owns the deployment.
          const teamId = await findOwningTeam(app.db, uuid)
          if (!teamId) throw new Error(`No service or database ${uuid}`)
          const [queued] = await app.deployments.queue(
            teamId,
            [uuid],
            { force: opts.force, pull: opts.pull, stopBeforeStart: opts.stopBeforeStart, trigger: 'cli' },
            { ...cliActor(), teamId },
          )
          process.stderr.write(`${queued!.message}\n`)
          process.stdout.write(`${queued!.deployment_uuid}\n`)
        }
      })
    })
}

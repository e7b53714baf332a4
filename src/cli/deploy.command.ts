import { Command } from 'commander'
import { findOwningTeam } from '../services/services.repo.js'
import { cliActor, withApp } from './context.js'

type Options = { force?: boolean; pull?: boolean; stopBeforeStart?: boolean; service?: string; commit?: string }

export function deployCommand(): Command {
  return new Command('deploy')
    .description('Queue deployments of services or databases (the running server runs them)')
    .argument('[uuid...]', 'service or database uuids')
    .option('--force', 'queue even if a deployment of the resource is already queued')
    .option('--pull', 'pull the latest images first')
    .option('--stop-before-start', 'run `docker compose down` first')
    .option('--service <uuid>', 'a service built from Git: build and deploy it')
    .option('--commit <sha>', 'with --service: this commit instead of the head of its branch')
    .action(async (uuids: string[], opts: Options) => {
      if (opts.commit && !opts.service) throw new Error('--commit needs --service')
      if (!opts.service && uuids.length === 0) throw new Error('Name at least one uuid, or --service')
      await withApp(async (app) => {
        const owningTeam = async (uuid: string) => {
          // The CLI acts as the host's operator: the resource's own team owns the deployment.
          const teamId = await findOwningTeam(app.db, uuid)
          if (!teamId) throw new Error(`No service or database ${uuid}`)
          return teamId
        }
        const report = (queued: { message: string; deployment_uuid: string }) => {
          process.stderr.write(`${queued.message}\n`)
          process.stdout.write(`${queued.deployment_uuid}\n`)
        }
        if (opts.service) {
          const teamId = await owningTeam(opts.service)
          report(await app.gitSources.deploy(teamId, opts.service, { commit: opts.commit }, { ...cliActor(), teamId }))
        }
        for (const uuid of uuids) {
          const teamId = await owningTeam(uuid)
          const [queued] = await app.deployments.queue(
            teamId,
            [uuid],
            { force: opts.force, pull: opts.pull, stopBeforeStart: opts.stopBeforeStart, trigger: 'cli' },
            { ...cliActor(), teamId },
          )
          report(queued!)
        }
      })
    })
}

import { Command } from 'commander'
import { cliActor, withApp } from './context.js'
import { owningTeam, reportRun } from './db.command.js'

export function volumeCommand(): Command {
  const volume = new Command('volume').description("Backups of a compose service's named volumes")
  volume
    .command('backup')
    .description(
      'Back up a named volume of a service (a tar archive through a helper container); waits for the outcome',
    )
    .argument('<service>', 'the service uuid')
    .argument('<volume>', "the volume's name in the compose file")
    .requiredOption('--destination <uuid>', 'the backup destination')
    .option('--helper-image <image>', 'an image the server has, with sh, tar and find', 'busybox:1.36')
    .option('--encrypt', 'encrypt the archive')
    .action(
      async (service: string, name: string, opts: { destination: string; helperImage: string; encrypt?: boolean }) => {
        await withApp(async (app) => {
          const teamId = await owningTeam(app.db, service)
          const run = await app.backupRuns.startVolumeBackup(
            teamId,
            service,
            {
              volume: name,
              destinationId: opts.destination,
              helperImage: opts.helperImage,
              encrypt: opts.encrypt ?? false,
            },
            'cli',
            { ...cliActor(), teamId },
          )
          await reportRun(app, teamId, run!.id)
        })
      },
    )
  volume
    .command('restore')
    .description(
      'Restore a volume backup over the volume (after a safety backup; the containers using it are stopped and started again)',
    )
    .argument('<service>', 'the service uuid')
    .argument('<run>', 'the uuid of the volume backup run')
    .action(async (service: string, runId: string) => {
      await withApp(async (app) => {
        const teamId = await owningTeam(app.db, service)
        const source = await app.backupRuns.get(teamId, runId)
        if (source.database_id !== service || source.volume === null)
          throw new Error(`Run ${runId} is not a volume backup of service ${service}`)
        const run = await app.backupRuns.startRestore(teamId, runId, 'cli', { ...cliActor(), teamId })
        await reportRun(app, teamId, run!.id)
      })
    })
  return volume
}

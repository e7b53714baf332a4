import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { triggerOf } from '../deployments/deployments.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json } from '../http/responses.js'
import { uuidParam } from '../http/schemas.js'
import { run, runView } from './database-backups.routes.js'
import { directoryConfig } from './destinations.js'
import { VOLUME_PATTERN } from './volumes.js'

const TAGS = ['database-backups']

/** Backups of a compose service's named volumes; restored through POST /backup-runs/{id}/restore (confirm: the volume's name). */
export function volumeBackupRoutes(app: Pick<App, 'backupRuns'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.post(
      '/services/:uuid/volume-backups',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'backupVolume',
          summary: 'Back up a named volume of the service now (a tar archive through a helper container)',
          params: uuidParam,
          body: z.object({
            volume: z.string().regex(VOLUME_PATTERN).describe("The volume's name in the compose file"),
            destination_id: z.string().uuid(),
            helper_image: directoryConfig.shape.helper_image.describe(
              'An image the server already has, with sh, tar and find, for the helper container',
            ),
            encrypt: z.boolean().default(false),
          }),
          response: { 202: json(run, 'Queued'), ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const b = request.body
        const queued = await app.backupRuns.startVolumeBackup(
          p.teamId,
          request.params.uuid,
          { volume: b.volume, destinationId: b.destination_id, helperImage: b.helper_image, encrypt: b.encrypt },
          triggerOf(p.via),
          actorOf(p),
        )
        return reply.status(202).send(runView(queued))
      },
    )

    server.get(
      '/services/:uuid/volume-backups',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listVolumeBackupRuns',
          summary: "A service's volume backup and restore runs, newest first (the last 100)",
          params: uuidParam,
          response: {
            200: json(z.object({ runs: z.array(run) }).meta({ id: 'VolumeBackupRunList' }), 'Runs'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => ({
        runs: (await app.backupRuns.listVolumeRuns(principalOf(request).teamId, request.params.uuid)).map(runView),
      }),
    )
  }
}

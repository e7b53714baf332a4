import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { triggerOf } from '../deployments/deployments.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json } from '../http/responses.js'
import { uuidParam } from '../http/schemas.js'
import { job, jobFields, run, runView } from './database-backups.routes.js'
import { directoryConfig } from './destinations.js'
import { VOLUME_PATTERN } from './volumes.js'

const TAGS = ['database-backups']
const volumeName = z.string().regex(VOLUME_PATTERN).describe("The volume's name in the compose file")
const helperImage = directoryConfig.shape.helper_image.describe(
  'An image the server already has, with sh, tar and find, for the helper container',
)

/** Backups of a compose service's named volumes; restored through POST /backup-runs/{id}/restore (confirm: the volume's name). */
export function volumeBackupRoutes(app: Pick<App, 'backupRuns' | 'backupJobs'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/services/:uuid/volumes',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listServiceVolumes',
          summary: "The service's named volumes on its server (those its deployments created)",
          params: uuidParam,
          response: {
            200: json(z.object({ volumes: z.array(z.string()) }).meta({ id: 'ServiceVolumeList' }), 'Volume names'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => ({
        volumes: await app.backupRuns.serviceVolumes(principalOf(request).teamId, request.params.uuid),
      }),
    )

    server.get(
      '/services/:uuid/volume-backup-jobs',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listVolumeBackupJobs',
          summary: "The backup jobs of the service's named volumes (changed and run through /backup-jobs/{id})",
          params: uuidParam,
          response: {
            200: json(z.object({ jobs: z.array(job) }).meta({ id: 'VolumeBackupJobList' }), 'Jobs'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => ({
        jobs: await app.backupJobs.listForVolumes(principalOf(request).teamId, request.params.uuid),
      }),
    )

    server.post(
      '/services/:uuid/volume-backup-jobs',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'createVolumeBackupJob',
          summary: 'Add a backup job of a named volume: destination, cron schedule, retention, encryption',
          params: uuidParam,
          body: z
            .object({ ...jobFields, volume: volumeName, helper_image: helperImage })
            .partial()
            .required({ destination_id: true, volume: true, helper_image: true }),
          response: { 201: json(job, 'Created'), ...errorResponses(404, 422) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply
          .status(201)
          .send(await app.backupJobs.createForVolume(p.teamId, request.params.uuid, request.body, actorOf(p)))
      },
    )

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
            volume: volumeName,
            destination_id: z.string().uuid(),
            helper_image: helperImage,
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
        return reply.status(202).send(runView(queued!))
      },
    )

    server.get(
      '/services/:uuid/volume-backups',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listVolumeBackupRuns',
          summary:
            "A service's volume backup and restore runs, newest first (the last 100); still listed after it is deleted",
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

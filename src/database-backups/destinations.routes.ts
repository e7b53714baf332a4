import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, noContent, timestamp } from '../http/responses.js'
import { idParam } from '../http/schemas.js'
import { createDestinationBody, directoryConfig, s3Config } from './destinations.js'

const destination = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    kind: z.enum(['s3', 'directory']),
    s3: s3Config.optional(),
    directory: directoryConfig.optional(),
    has_secret: z.boolean().describe('Whether a secret access key is stored (it is never returned)'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'BackupDestination' })

const checkResult = z
  .object({
    ok: z.boolean(),
    destination: z.string().describe('What was checked (bucket and endpoint, or directory)'),
    steps: z
      .array(z.object({ step: z.enum(['write', 'read', 'delete']), ok: z.boolean(), error: z.string().nullable() }))
      .describe('The steps tried, in order; the first failed one ends the check'),
  })
  .meta({ id: 'BackupDestinationCheck' })

const TAGS = ['database-backups']

export function destinationRoutes(app: Pick<App, 'backupDestinations'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/backup-destinations',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listBackupDestinations',
          summary: "The team's database backup destinations (secret keys never shown)",
          response: {
            200: json(
              z.object({ destinations: z.array(destination) }).meta({ id: 'BackupDestinationList' }),
              'By name',
            ),
          },
        },
      },
      async (request) => ({ destinations: await app.backupDestinations.list(principalOf(request).teamId) }),
    )

    server.post(
      '/backup-destinations',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'createBackupDestination',
          summary: 'Add an S3-compatible bucket or a directory on the database server as a backup destination',
          body: createDestinationBody,
          response: { 201: json(destination, 'Created'), ...errorResponses(409) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply.status(201).send(await app.backupDestinations.create(p.teamId, request.body, actorOf(p)))
      },
    )

    server.delete(
      '/backup-destinations/:id',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'deleteBackupDestination',
          summary: 'Remove a destination no job uses (stored backups stay where they are)',
          params: idParam,
          response: { 204: noContent('Removed'), ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.backupDestinations.remove(p.teamId, request.params.id, actorOf(p))
        return reply.status(204).send()
      },
    )

    server.post(
      '/backup-destinations/:id/check',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'checkBackupDestination',
          summary: 'Write, read back and delete a small object; reports which step failed and why',
          params: idParam,
          response: { 200: json(checkResult, 'The outcome of each step'), ...errorResponses(404) },
        },
      },
      async (request) => app.backupDestinations.check(principalOf(request).teamId, request.params.id),
    )
  }
}

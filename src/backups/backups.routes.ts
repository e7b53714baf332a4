import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorBody, errorResponses, json, timestamp } from '../http/responses.js'
import { idParam } from '../http/schemas.js'

const backup = z
  .object({
    id: z.string(),
    directory: z.string().describe('The directory on the Berth host that holds the file'),
    file_name: z.string(),
    status: z.enum(['running', 'succeeded', 'failed']),
    trigger: z.string().describe('api, cli or schedule'),
    size_bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
    verified: z.boolean().describe('The copy passed an integrity check before it was reported done'),
    error: z.string().nullable(),
    started_at: timestamp,
    finished_at: timestamp.nullable(),
  })
  .meta({ id: 'Backup' })
const createdBackup = backup.extend({ uuid: z.string() }).meta({ id: 'CreatedBackup' })

/** Backups hold every team's data, so each route is for instance administrators. */
export function backupRoutes(app: Pick<App, 'backups'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.post(
      '/backups',
      {
        config: { ability: 'instance' },
        schema: {
          tags: ['backups'],
          operationId: 'createBackup',
          summary: 'Take a verified online backup now',
          response: {
            201: json(createdBackup, 'Taken and verified'),
            500: json(z.union([createdBackup, errorBody]), 'The backup failed (its record says why), or another error'),
            ...errorResponses(400),
          },
        },
      },
      async (request, reply) => {
        const backup = await app.backups.create('api', actorOf(principalOf(request)))
        return reply.status(backup.status === 'succeeded' ? 201 : 500).send({ uuid: backup.id, ...backup })
      },
    )

    server.get(
      '/backups',
      {
        config: { ability: 'instance' },
        schema: {
          tags: ['backups'],
          operationId: 'listBackups',
          summary: 'Backups, newest first (failed ones included)',
          response: { 200: json(z.object({ backups: z.array(backup) }), 'Backups that were not pruned') },
        },
      },
      async () => {
        return { backups: await app.backups.list() }
      },
    )

    server.get(
      '/backups/:id',
      {
        config: { ability: 'instance' },
        schema: {
          tags: ['backups'],
          operationId: 'getBackup',
          summary: 'One backup',
          params: idParam,
          response: { 200: json(backup, 'The backup'), ...errorResponses(404) },
        },
      },
      async (request) => {
        return app.backups.get(request.params.id)
      },
    )

    server.get(
      '/backups/:id/download',
      {
        config: { ability: 'instance' },
        schema: {
          tags: ['backups'],
          operationId: 'downloadBackup',
          summary: 'Download a verified backup (gzip)',
          params: idParam,
          response: {
            200: {
              description: 'The gzip-compressed SQLite database file (sent as an attachment)',
              content: {
                'application/gzip': {
                  // A stream is sent as it is (never serialized); the document describes the bytes.
                  schema: z.instanceof(Readable).meta({ type: 'string', contentMediaType: 'application/gzip' }),
                },
              },
            },
            ...errorResponses(404),
          },
        },
      },
      async (request, reply) => {
        const file = await app.backups.filePath(request.params.id)
        void reply.header('content-type', 'application/gzip')
        void reply.header('content-length', String(file.sizeBytes))
        void reply.header('content-disposition', `attachment; filename="${file.fileName}"`)
        return reply.send(createReadStream(file.path))
      },
    )
  }
}

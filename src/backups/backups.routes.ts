import { createReadStream } from 'node:fs'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { idParam } from '../http/schemas.js'

/** Backups hold every team's data, so each route is for instance administrators. */
export function backupRoutes(app: App): FastifyPluginAsyncZod {
  return async (server) => {
    server.post(
      '/backups',
      { config: { ability: 'instance' }, schema: { tags: ['backups'], summary: 'Take a verified online backup now' } },
      async (request, reply) => {
        const backup = await app.backups.create('api', actorOf(principalOf(request)))
        return reply.status(backup.status === 'succeeded' ? 201 : 500).send({ uuid: backup.id, ...backup })
      },
    )

    server.get(
      '/backups',
      {
        config: { ability: 'instance' },
        schema: { tags: ['backups'], summary: 'Backups, newest first (failed ones included)' },
      },
      async () => {
        return { backups: await app.backups.list() }
      },
    )

    server.get(
      '/backups/:id',
      { config: { ability: 'instance' }, schema: { tags: ['backups'], summary: 'One backup', params: idParam } },
      async (request) => {
        return app.backups.get(request.params.id)
      },
    )

    server.get(
      '/backups/:id/download',
      {
        config: { ability: 'instance' },
        schema: { tags: ['backups'], summary: 'Download a verified backup (gzip)', params: idParam },
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

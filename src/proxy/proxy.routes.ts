import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { hasAbility } from '../auth/principal.js'
import { AppError } from '../errors.js'
import { principalOf } from '../http/auth-hook.js'
import { previewChange } from './config/proxy.preview.js'

export function proxyRoutes(app: App): FastifyPluginAsyncZod {
  return async (server) => {
    const tags = ['proxy']
    server.get(
      '/proxy/status',
      {
        config: { ability: 'read' },
        schema: { tags, summary: 'Sync status: last run, duration, files written/removed, drift repaired, last error' },
      },
      async () => app.proxySync.status(),
    )

    server.post(
      '/proxy/sync',
      {
        config: { ability: 'write' },
        schema: { tags, summary: 'Force a full sync (with orphan removal and drift repair) and wait for it' },
      },
      async () => {
        const run = await app.proxySync.runNow()
        if (run.error !== null) throw new AppError(502, 'sync_failed', `The proxy sync failed: ${run.error}`, { run })
        return run
      },
    )

    // For Traefik's HTTP provider: a fleet of proxies polls this with a "read" token.
    server.get(
      '/proxy/traefik/dynamic',
      {
        config: { ability: 'read' },
        schema: { tags, summary: 'The whole dynamic configuration in one document (Traefik HTTP provider)' },
      },
      async (_request, reply) => {
        return reply.type('application/json').send(await app.proxySync.traefikHttpDocument())
      },
    )

    server.post(
      '/proxy/preview',
      {
        config: { ability: 'write' },
        schema: {
          tags,
          summary: 'The files a change would produce and their diff, without saving',
          body: z.object({ change: previewChange }).strict(),
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.proxyPreview.preview(p.teamId, request.body.change, actorOf(p))
      },
    )

    server.get(
      '/proxy/files',
      {
        config: { ability: 'read' },
        schema: { tags, summary: 'Generated files with size, checksum, synced time and drift flag' },
      },
      async (request) => {
        const p = principalOf(request)
        return { files: await app.proxyBrowser.list({ teamId: p.teamId, root: hasAbility(p, 'root') }) }
      },
    )

    server.get(
      '/proxy/files/content',
      {
        config: { ability: 'read' },
        schema: {
          tags,
          summary: 'One generated file (read-only; never outside the proxy directory)',
          querystring: z.object({ path: z.string().min(1).max(1024) }),
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.proxyBrowser.read({ teamId: p.teamId, root: hasAbility(p, 'root') }, request.query.path)
      },
    )
  }
}

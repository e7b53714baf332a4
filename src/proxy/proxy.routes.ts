import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { hasAbility } from '../auth/principal.js'
import { AppError } from '../errors.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json } from '../http/responses.js'
import { previewChange } from './config/proxy.preview.js'
import {
  previewSchema,
  proxyFileContentSchema,
  proxyFileSchema,
  proxyStatusSchema,
  syncRunSchema,
} from './proxy.schemas.js'

const traefikDocument = z.object({ http: z.record(z.string(), z.record(z.string(), z.unknown())) }).meta({
  id: 'TraefikDynamicConfiguration',
  description: "Traefik's dynamic configuration: routers, services, middlewares",
})

/** The sync status as a team sees it: the files of its own projects, and not where they live on the host. */
function teamView(status: ReturnType<App['proxySync']['status']>, mine: (path: string) => boolean) {
  const run = status.last_run
  return {
    ...status,
    proxy_dir: null,
    last_run: run && {
      ...run,
      files_written: run.files_written.filter(mine),
      files_removed: run.files_removed.filter(mine),
      drift_repaired: run.drift_repaired.filter(mine),
      render_issues: run.render_issues.filter((i) => mine(i.file)),
      error: run.error === null ? null : 'The last sync failed; an instance administrator can see why.',
    },
  }
}

export function proxyRoutes(app: Pick<App, 'proxyBrowser' | 'proxyPreview' | 'proxySync'>): FastifyPluginAsyncZod {
  return async (server) => {
    const tags = ['proxy']
    server.get(
      '/proxy/status',
      {
        config: { ability: 'read' },
        schema: {
          tags,
          operationId: 'proxyStatus',
          summary:
            "Sync status: last run, duration, files written/removed, drift repaired, last error (a team sees its own projects' files)",
          response: { 200: json(proxyStatusSchema, 'The sync status') },
        },
      },
      async (request) => {
        const p = principalOf(request)
        const status = app.proxySync.status()
        if (hasAbility(p, 'instance')) return status
        const mine = await app.proxyBrowser.visiblePaths({ teamId: p.teamId, root: false })
        return teamView(status, (path) => mine.has(path))
      },
    )

    server.post(
      '/proxy/sync',
      {
        config: { ability: 'instance' },
        schema: {
          tags,
          operationId: 'proxySync',
          summary: 'Force a full sync (with orphan removal and drift repair) and wait for it',
          response: { 200: json(syncRunSchema, 'The run'), ...errorResponses(502) },
        },
      },
      async () => {
        const run = await app.proxySync.runNow()
        if (run.error !== null) throw new AppError(502, 'sync_failed', `The proxy sync failed: ${run.error}`, { run })
        return run
      },
    )

    // For Traefik's HTTP provider: it holds every team's routes, so it takes a credential of its
    // own (a token with only "proxy:provider", made by an instance administrator) or an instance one.
    server.get(
      '/proxy/traefik/dynamic',
      {
        config: { ability: 'proxy:provider' },
        schema: {
          tags,
          operationId: 'traefikDynamicConfiguration',
          summary: 'The whole dynamic configuration in one document (Traefik HTTP provider)',
          response: { 200: json(traefikDocument, 'The document') },
        },
      },
      async (_request, reply) => {
        // Cached as JSON text and sent as it is: Fastify never runs a string through the serializer.
        const document = (await app.proxySync.traefikHttpDocument()) as unknown as z.infer<typeof traefikDocument>
        return reply.type('application/json').send(document)
      },
    )

    server.post(
      '/proxy/preview',
      {
        config: { ability: 'write' },
        schema: {
          tags,
          operationId: 'proxyPreview',
          summary: 'The files a change would produce and their diff, without saving',
          body: z.object({ change: previewChange }).strict(),
          response: { 200: json(previewSchema, 'The files and their diff'), ...errorResponses(404, 409, 422) },
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
        schema: {
          tags,
          operationId: 'listProxyFiles',
          summary: 'Generated files with size, checksum, synced time and drift flag',
          response: { 200: json(z.object({ files: z.array(proxyFileSchema) }), 'The files the caller may see') },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return { files: await app.proxyBrowser.list({ teamId: p.teamId, root: hasAbility(p, 'instance') }) }
      },
    )

    server.get(
      '/proxy/files/content',
      {
        config: { ability: 'read' },
        schema: {
          tags,
          operationId: 'getProxyFile',
          summary: 'One generated file (read-only; never outside the proxy directory)',
          querystring: z.object({ path: z.string().min(1).max(1024) }),
          response: { 200: json(proxyFileContentSchema, 'The file'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.proxyBrowser.read({ teamId: p.teamId, root: hasAbility(p, 'instance') }, request.query.path)
      },
    )
  }
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json } from '../http/responses.js'
import { z } from 'zod'
import { settingsPatchSchema, settingsSchema } from './settings.types.js'

// Not the strict input schema: an answer drops what it does not name rather than failing. The
// e-mail is answered as stored, without a format: zod's e-mail check (used on input) and JSON
// Schema's "email" format disagree on some addresses, and a client must not reject a stored value.
const settings = z
  .object({
    ...settingsSchema.shape,
    letsencrypt_email: z.string().nullable(),
    entry_points: z.object({ web: z.string(), websecure: z.string() }),
  })
  .meta({ id: 'Settings', description: 'Instance-wide settings' })

export function settingsRoutes(app: Pick<App, 'settings'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/settings',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['settings'],
          operationId: 'getSettings',
          summary: 'Instance settings (proxy kind, entry points, ACME e-mail...)',
          response: { 200: json(settings, 'Every setting, defaults included') },
        },
      },
      async () => app.settings.get(),
    )

    // Instance-wide: they shape every team's routing, so only "root" may change them.
    server.put(
      '/settings',
      {
        config: { ability: 'instance' },
        schema: {
          tags: ['settings'],
          operationId: 'saveSettings',
          summary: 'Change instance settings',
          body: settingsPatchSchema,
          response: { 200: json(settings, 'Every setting after the change'), ...errorResponses(422) },
        },
      },
      async (request) => {
        return app.settings.update(request.body, actorOf(principalOf(request)))
      },
    )
  }
}

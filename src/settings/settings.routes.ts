import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { settingsPatchSchema } from './settings.types.js'

export function settingsRoutes(app: App): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/settings',
      {
        config: { ability: 'read' },
        schema: { tags: ['settings'], summary: 'Instance settings (proxy kind, entry points, ACME e-mail...)' },
      },
      async () => app.settings.get(),
    )

    // Instance-wide: they shape every team's routing, so only "root" may change them.
    server.put(
      '/settings',
      {
        config: { ability: 'instance' },
        schema: { tags: ['settings'], summary: 'Change instance settings', body: settingsPatchSchema },
      },
      async (request) => {
        return app.settings.update(request.body, actorOf(principalOf(request)))
      },
    )
  }
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { sessionIdOf } from './principal.js'
import { uuidParam } from '../http/schemas.js'

const linkToken = z.object({ token: z.string().min(10).max(200) })
const tags = ['users']

/** Users as instance administrators manage them, and a user's own password. */
export function userRoutes(app: Pick<App, 'userAdmin'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/users',
      { config: { ability: 'instance' }, schema: { tags, summary: 'Every user of the instance' } },
      async () => ({ users: await app.userAdmin.list() }),
    )

    server.patch(
      '/users/:uuid',
      {
        config: { ability: 'instance' },
        schema: {
          tags,
          summary:
            'Grant or take the instance administrator role, disable or enable a user (sessions and tokens stop at once)',
          params: uuidParam,
          body: z.object({ instance_admin: z.boolean().optional(), disabled: z.boolean().optional() }),
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.userAdmin.update(request.params.uuid, request.body, actorOf(p))
      },
    )

    server.post(
      '/users/:uuid/password-reset',
      {
        config: { ability: 'instance' },
        schema: { tags, summary: 'Make a one-time password reset link (shown once, valid 24 h)', params: uuidParam },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply
          .status(201)
          .send(await app.userAdmin.createPasswordReset(request.params.uuid, p.userId, actorOf(p)))
      },
    )

    server.get(
      '/password-resets/:token',
      {
        config: { ability: 'public' },
        schema: { tags, summary: 'Whose password a reset link sets', params: linkToken },
      },
      async (request) => app.userAdmin.describeReset(request.params.token),
    )

    server.post(
      '/password-resets/:token',
      {
        config: { ability: 'public' },
        schema: {
          tags,
          summary: 'Set a new password with a reset link (ends every session of the user)',
          params: linkToken,
          body: z.object({ password: z.string().min(1).max(1024) }),
        },
      },
      async (request, reply) => {
        await app.userAdmin.resetPassword(request.params.token, request.body.password, request.ip)
        return reply.status(204).send()
      },
    )

    server.post(
      '/me/password',
      {
        config: { ability: 'read' },
        schema: {
          tags,
          summary: 'Change your own password (your other sessions end)',
          body: z.object({ current_password: z.string().min(1).max(1024), new_password: z.string().min(1).max(1024) }),
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.userAdmin.changeOwnPassword(
          {
            userId: p.userId,
            current: request.body.current_password,
            next: request.body.new_password,
            sessionId: sessionIdOf(p),
          },
          actorOf(p),
        )
        return reply.status(204).send()
      },
    )
  }
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { sessionIdOf } from './principal.js'
import { errorResponses, json, noContent, timestamp } from '../http/responses.js'
import { uuidParam } from '../http/schemas.js'

const linkToken = z.object({ token: z.string().min(10).max(200) })
const tags = ['users']

const user = z
  .object({
    uuid: z.string(),
    email: z.string(),
    name: z.string(),
    instance_admin: z.boolean(),
    disabled: z.boolean(),
    created_at: timestamp,
  })
  .meta({ id: 'User' })
const passwordReset = z
  .object({
    token: z.string().describe('The secret, shown this once only'),
    path: z.string().describe('The path of the link to send, e.g. /reset-password/<token>'),
    expires_at: timestamp,
  })
  .meta({ id: 'PasswordReset' })

/** Users as instance administrators manage them, and a user's own password. */
export function userRoutes(app: Pick<App, 'userAdmin'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/users',
      {
        config: { ability: 'instance' },
        schema: {
          tags,
          operationId: 'listUsers',
          summary: 'Every user of the instance',
          response: { 200: json(z.object({ users: z.array(user) }), 'Users by e-mail') },
        },
      },
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
          operationId: 'updateUser',
          params: uuidParam,
          body: z.object({ instance_admin: z.boolean().optional(), disabled: z.boolean().optional() }),
          response: {
            200: json(user.omit({ name: true, created_at: true }), 'The user after the change'),
            ...errorResponses(404, 409),
          },
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
        schema: {
          tags,
          operationId: 'createPasswordReset',
          summary: 'Make a one-time password reset link (shown once, valid 24 h)',
          params: uuidParam,
          response: { 201: json(passwordReset, 'Created; `path` is the link'), ...errorResponses(404) },
        },
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
        schema: {
          tags,
          operationId: 'describePasswordReset',
          summary: 'Whose password a reset link sets',
          params: linkToken,
          response: {
            200: json(z.object({ email: z.string(), expires_at: timestamp }), 'Whose password it sets'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => app.userAdmin.describeReset(request.params.token),
    )

    server.post(
      '/password-resets/:token',
      {
        config: { ability: 'public' },
        schema: {
          tags,
          operationId: 'resetPassword',
          summary: 'Set a new password with a reset link (ends every session of the user)',
          params: linkToken,
          body: z.object({ password: z.string().min(1).max(1024) }),
          response: { 204: noContent('Set; every session of the user ended'), ...errorResponses(404) },
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
          operationId: 'changeOwnPassword',
          summary: 'Change your own password (your other sessions end)',
          body: z.object({ current_password: z.string().min(1).max(1024), new_password: z.string().min(1).max(1024) }),
          response: { 204: noContent('Changed; your other sessions ended') },
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

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf, SESSION_COOKIE } from '../http/auth-hook.js'
import { errorResponses, json, noContent, timestamp } from '../http/responses.js'
import { abilitySchema } from './principal.js'
import { SESSION_TTL_MS } from './sessions.service.js'

const loginBody = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) })

const me = z
  .object({
    user: z.object({ id: z.string(), email: z.string() }),
    team_id: z.string(),
    via: z.enum(['user', 'token']).describe('How the caller authenticated: a session (user) or an API token'),
    abilities: z.array(abilitySchema),
  })
  .meta({ id: 'Me' })

export function authRoutes(app: Pick<App, 'sessions' | 'users'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.post(
      '/auth/login',
      {
        config: { ability: 'public' },
        schema: {
          tags: ['auth'],
          operationId: 'login',
          summary: 'Log in and receive a session cookie',
          body: loginBody,
          response: {
            200: json(z.object({ user_id: z.string(), expires_at: timestamp }), 'Logged in; the cookie is set'),
            ...errorResponses(401, 403, 429),
          },
        },
      },
      async (request, reply) => {
        const session = await app.sessions.login({
          email: request.body.email,
          password: request.body.password,
          ip: request.ip,
        })
        void reply.setCookie(SESSION_COOKIE, session.token, {
          httpOnly: true,
          sameSite: 'strict',
          secure: request.protocol === 'https',
          path: '/',
          maxAge: Math.floor(SESSION_TTL_MS / 1000),
        })
        return { user_id: session.userId, expires_at: session.expiresAt }
      },
    )

    // The login page shows how to create the first user instead of a form nobody can use.
    server.get(
      '/auth/status',
      {
        config: { ability: 'public' },
        schema: {
          tags: ['auth'],
          operationId: 'authStatus',
          summary: 'Whether any user exists yet (first run)',
          response: {
            200: json(z.object({ setup_required: z.boolean() }), 'True when no user exists yet'),
          },
        },
      },
      async () => {
        return { setup_required: (await app.users.countUsers()) === 0 }
      },
    )

    server.post(
      '/auth/logout',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['auth'],
          operationId: 'logout',
          summary: 'End the current session',
          response: { 204: noContent('Logged out; the cookie is cleared') },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request)
        await app.sessions.logout(principal, actorOf(principal))
        void reply.clearCookie(SESSION_COOKIE, { path: '/' })
        return reply.status(204).send()
      },
    )

    server.get(
      '/me',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['auth'],
          operationId: 'me',
          summary: 'Who the caller is',
          response: { 200: json(me, 'The caller') },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return {
          user: { id: p.userId, email: p.userEmail },
          team_id: p.teamId,
          via: p.kind,
          abilities: [...p.abilities].sort(),
        }
      },
    )
  }
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { uuidParam } from '../http/schemas.js'

const role = z.enum(['owner', 'admin', 'member', 'viewer'])
const linkToken = z.object({ token: z.string().min(10).max(200) })
const tags = ['teams']

/** Teams, members and invitations. "The team" is the caller's current one (session or token). */
export function teamRoutes(app: Pick<App, 'teams' | 'invitations' | 'sessions'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/teams',
      { config: { ability: 'read' }, schema: { tags, summary: "The caller's teams, with their role in each" } },
      async (request) => {
        const p = principalOf(request)
        const teams = await app.teams.listForUser(p.userId)
        return { current: p.teamId, teams }
      },
    )

    server.post(
      '/teams',
      {
        config: { ability: 'instance' },
        schema: {
          tags,
          summary: 'Create a team (its creator owns it)',
          body: z.object({ name: z.string().min(1).max(200) }),
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply.status(201).send(await app.teams.create(p.userId, request.body.name, actorOf(p)))
      },
    )

    server.get(
      '/instance/teams',
      { config: { ability: 'instance' }, schema: { tags, summary: 'Every team of the instance, with member counts' } },
      async () => ({ teams: await app.teams.listAll() }),
    )

    server.post(
      '/auth/switch-team',
      {
        config: { ability: 'read' },
        schema: {
          tags,
          summary: "Make another of the user's teams the session's current team",
          body: z.object({ team_uuid: z.string().uuid() }),
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.sessions.switchTeam(p, request.body.team_uuid, actorOf(p))
        return reply.status(204).send()
      },
    )

    server.get(
      '/team/members',
      { config: { ability: 'read' }, schema: { tags, summary: 'Members of the current team' } },
      async (request) => ({ members: await app.teams.members(principalOf(request).teamId) }),
    )

    server.patch(
      '/team/members/:uuid',
      {
        config: { ability: 'members' },
        schema: { tags, summary: "Change a member's role", params: uuidParam, body: z.object({ role }) },
      },
      async (request) => {
        const p = principalOf(request)
        return app.teams.changeRole(p, request.params.uuid, request.body.role, actorOf(p))
      },
    )

    server.delete(
      '/team/members/:uuid',
      {
        config: { ability: 'members' },
        schema: { tags, summary: 'Remove a member (the last owner stays)', params: uuidParam },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.teams.removeMember(p, request.params.uuid, actorOf(p))
        return reply.status(204).send()
      },
    )

    server.post(
      '/team/leave',
      { config: { ability: 'read' }, schema: { tags, summary: 'Leave the current team (not as its last owner)' } },
      async (request, reply) => {
        const p = principalOf(request)
        await app.teams.removeMember(p, p.userId, actorOf(p))
        return reply.status(204).send()
      },
    )

    server.post(
      '/team/invitations',
      {
        config: { ability: 'members' },
        schema: {
          tags,
          summary: 'Make a one-time invitation link with a role (shown once)',
          body: z.object({
            role,
            valid_hours: z.number().int().min(1).max(720).default(72).describe('How long the link works (1-720 h)'),
          }),
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const created = await app.invitations.create(
          p,
          { role: request.body.role, validHours: request.body.valid_hours },
          actorOf(p),
        )
        return reply.status(201).send(created)
      },
    )

    server.get(
      '/team/invitations',
      { config: { ability: 'members' }, schema: { tags, summary: 'Invitations not yet used, revoked or expired' } },
      async (request) => ({ invitations: await app.invitations.listPending(principalOf(request).teamId) }),
    )

    server.delete(
      '/team/invitations/:uuid',
      { config: { ability: 'members' }, schema: { tags, summary: 'Revoke an invitation', params: uuidParam } },
      async (request, reply) => {
        const p = principalOf(request)
        await app.invitations.revoke(p.teamId, request.params.uuid, actorOf(p))
        return reply.status(204).send()
      },
    )

    server.get(
      '/invitations/:token',
      {
        config: { ability: 'public' },
        schema: { tags, summary: 'What an invitation link offers (team, role, expiry)', params: linkToken },
      },
      async (request) => app.invitations.describe(request.params.token),
    )

    server.post(
      '/invitations/:token/accept',
      {
        config: { ability: 'public' },
        schema: {
          tags,
          summary: 'Accept an invitation: a new user sets a password, an existing one gives theirs',
          params: linkToken,
          body: z.object({
            email: z.string().min(3).max(320),
            password: z.string().min(1).max(1024),
            name: z.string().max(200).optional(),
          }),
        },
      },
      async (request) => app.invitations.accept(request.params.token, request.body, request.ip),
    )
  }
}

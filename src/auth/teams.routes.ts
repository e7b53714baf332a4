import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, noContent, timestamp } from '../http/responses.js'
import { uuidParam } from '../http/schemas.js'

const role = z.enum(['owner', 'admin', 'member', 'viewer'])
const linkToken = z.object({ token: z.string().min(10).max(200) })
const tags = ['teams']

const team = z.object({ uuid: z.string(), name: z.string(), created_at: timestamp }).meta({ id: 'Team' })
const myTeam = z
  .object({ uuid: z.string(), name: z.string(), role, created_at: timestamp })
  .meta({ id: 'MyTeam', description: 'A team of the caller, with their role in it' })
const instanceTeam = team.extend({ members: z.number().int() }).meta({ id: 'InstanceTeam' })
const member = z
  .object({ user_uuid: z.string(), email: z.string(), name: z.string(), role, joined_at: timestamp })
  .meta({ id: 'Member' })
const invitation = z
  .object({
    uuid: z.string(),
    role,
    created_at: timestamp,
    expires_at: timestamp,
    created_by: z.string().nullable().describe("The inviter's e-mail"),
  })
  .meta({ id: 'Invitation' })
const createdInvitation = z
  .object({
    uuid: z.string(),
    role,
    expires_at: timestamp,
    token: z.string().describe('The secret, shown this once only'),
    path: z.string().describe('The path of the link to send, e.g. /invite/<token>'),
  })
  .meta({ id: 'CreatedInvitation' })

/** Teams, members and invitations. "The team" is the caller's current one (session or token). */
export function teamRoutes(app: Pick<App, 'teams' | 'invitations' | 'sessions'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/teams',
      {
        config: { ability: 'read' },
        schema: {
          tags,
          operationId: 'listMyTeams',
          summary: "The caller's teams, with their role in each",
          response: {
            200: json(
              z.object({ current: z.string().describe("The current team's uuid"), teams: z.array(myTeam) }),
              'The teams by name',
            ),
          },
        },
      },
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
          operationId: 'createTeam',
          summary: 'Create a team (its creator owns it)',
          body: z.object({ name: z.string().min(1).max(200) }),
          response: { 201: json(team, 'Created'), ...errorResponses(409) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply.status(201).send(await app.teams.create(p.userId, request.body.name, actorOf(p)))
      },
    )

    server.get(
      '/instance/teams',
      {
        config: { ability: 'instance' },
        schema: {
          tags,
          operationId: 'listInstanceTeams',
          summary: 'Every team of the instance, with member counts',
          response: { 200: json(z.object({ teams: z.array(instanceTeam) }), 'The teams by name') },
        },
      },
      async () => ({ teams: await app.teams.listAll() }),
    )

    server.post(
      '/auth/switch-team',
      {
        config: { ability: 'read' },
        schema: {
          tags,
          operationId: 'switchTeam',
          summary: "Make another of the user's teams the session's current team",
          body: z.object({ team_uuid: z.string().uuid() }),
          response: { 204: noContent('Switched'), ...errorResponses(404) },
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
      {
        config: { ability: 'read' },
        schema: {
          tags,
          operationId: 'listMembers',
          summary: 'Members of the current team',
          response: { 200: json(z.object({ members: z.array(member) }), 'Members by e-mail') },
        },
      },
      async (request) => ({ members: await app.teams.members(principalOf(request).teamId) }),
    )

    server.patch(
      '/team/members/:uuid',
      {
        config: { ability: 'members' },
        schema: {
          tags,
          operationId: 'changeMemberRole',
          summary: "Change a member's role",
          params: uuidParam,
          body: z.object({ role }),
          response: {
            200: json(z.object({ user_uuid: z.string(), role }), 'The new role'),
            ...errorResponses(404, 409),
          },
        },
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
        schema: {
          tags,
          operationId: 'removeMember',
          summary: 'Remove a member (the last owner stays)',
          params: uuidParam,
          response: {
            204: noContent('Removed; their sessions and tokens of this team end'),
            ...errorResponses(404, 409),
          },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.teams.removeMember(p, request.params.uuid, actorOf(p))
        return reply.status(204).send()
      },
    )

    server.post(
      '/team/leave',
      {
        config: { ability: 'read' },
        schema: {
          tags,
          operationId: 'leaveTeam',
          summary: 'Leave the current team (not as its last owner)',
          response: { 204: noContent('Left'), ...errorResponses(404, 409) },
        },
      },
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
          operationId: 'createInvitation',
          summary: 'Make a one-time invitation link with a role (shown once)',
          body: z.object({
            role,
            valid_hours: z.number().int().min(1).max(720).default(72).describe('How long the link works (1-720 h)'),
          }),
          response: { 201: json(createdInvitation, 'Created; `path` is the link') },
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
      {
        config: { ability: 'members' },
        schema: {
          tags,
          operationId: 'listInvitations',
          summary: 'Invitations not yet used, revoked or expired',
          response: { 200: json(z.object({ invitations: z.array(invitation) }), 'Pending invitations, newest first') },
        },
      },
      async (request) => ({ invitations: await app.invitations.listPending(principalOf(request).teamId) }),
    )

    server.delete(
      '/team/invitations/:uuid',
      {
        config: { ability: 'members' },
        schema: {
          tags,
          operationId: 'revokeInvitation',
          summary: 'Revoke an invitation',
          params: uuidParam,
          response: { 204: noContent('Revoked'), ...errorResponses(404) },
        },
      },
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
        schema: {
          tags,
          operationId: 'describeInvitation',
          summary: 'What an invitation link offers (team, role, expiry)',
          params: linkToken,
          response: {
            200: json(z.object({ team_name: z.string(), role, expires_at: timestamp }), 'What the link offers'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => app.invitations.describe(request.params.token),
    )

    server.post(
      '/invitations/:token/accept',
      {
        config: { ability: 'public' },
        schema: {
          tags,
          operationId: 'acceptInvitation',
          summary: 'Accept an invitation: a new user sets a password, an existing one gives theirs',
          params: linkToken,
          body: z.object({
            email: z.string().min(3).max(320),
            password: z.string().min(1).max(1024),
            name: z.string().max(200).optional(),
          }),
          response: {
            200: json(
              z.object({ team_uuid: z.string(), team_name: z.string(), user_uuid: z.string(), role }),
              'Joined the team',
            ),
            ...errorResponses(401, 404, 409),
          },
        },
      },
      async (request) => app.invitations.accept(request.params.token, request.body, request.ip),
    )
  }
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, timestamp } from '../http/responses.js'
import { uuidParam, versionInput, versionParam } from '../http/schemas.js'
import { composeIssueSchema, parameterSchema, savedVersionSchema } from './compose.types.js'

const updateBody = z.object({
  yaml: z.string(),
  base_version: versionInput,
  description: z.string().max(500).optional(),
})
const validateBody = z.object({ yaml: z.string().optional() })

const composeVersion = z
  .object({
    version: z.number().int(),
    yaml: z.string().describe('The template as stored, with {{berth.NAME}} placeholders'),
    rendered_yaml: z.string().describe('The file with parameter values filled in'),
    sha256: z.string(),
    description: z.string(),
    author: z.string().describe("The author's name"),
    created_at: timestamp,
  })
  .meta({ id: 'ComposeVersion' })
const authorType = z.enum(['user', 'token', 'system'])
const versionListItem = z
  .object({
    version: z.number().int(),
    sha256: z.string(),
    author_type: authorType,
    author_id: z.string().nullable(),
    author_name: z.string(),
    description: z.string(),
    created_at: timestamp,
  })
  .meta({ id: 'VersionListItem' })
const versionList = z
  .object({ current_version: z.number().int(), versions: z.array(versionListItem) })
  .meta({ id: 'VersionList' })
const versionDetail = z
  .object({
    version: z.number().int(),
    yaml: z.string(),
    rendered_yaml: z.string(),
    sha256: z.string(),
    parameters: z.array(parameterSchema).describe('The parameter values it was rendered with'),
    author: z.object({ type: authorType, id: z.string().nullable(), name: z.string() }),
    description: z.string(),
    created_at: timestamp,
  })
  .meta({ id: 'ComposeVersionDetail' })
const composeDiff = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    rendered: z.boolean(),
    identical: z.boolean(),
    diff: z.string().describe('A unified diff'),
  })
  .meta({ id: 'ComposeDiff' })
const composeValidation = z
  .object({
    valid: z.boolean(),
    issues: z.array(composeIssueSchema),
    compose_cli: z.union([
      z.object({
        ran: z.literal(true),
        ok: z.boolean(),
        output: z.string().describe("Compose's output, secrets redacted"),
        durationMs: z.number(),
      }),
      z.object({ ran: z.literal(false), reason: z.string() }),
    ]),
  })
  .meta({ id: 'ComposeValidation' })

export function composeRoutes(app: Pick<App, 'compose' | 'composeValidation'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/services/:uuid/compose',
      {
        config: { ability: 'read', servedByReaders: true },
        schema: {
          tags: ['compose'],
          operationId: 'getCompose',
          summary: 'The current compose version, stored and rendered',
          params: uuidParam,
          response: { 200: json(composeVersion, 'The current version'), ...errorResponses(404) },
        },
      },
      async (request) => {
        return app.compose.getCurrent(principalOf(request).teamId, request.params.uuid)
      },
    )

    server.put(
      '/services/:uuid/compose',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['compose'],
          operationId: 'saveCompose',
          summary: 'Save a new compose version based on base_version (409 when stale)',
          params: uuidParam,
          body: updateBody,
          response: { 200: json(savedVersionSchema, 'Saved'), ...errorResponses(404, 409, 422) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        const { yaml, base_version, description } = request.body
        return app.compose.update(
          p.teamId,
          request.params.uuid,
          { yaml, baseVersion: base_version, description },
          actorOf(p),
        )
      },
    )

    server.get(
      '/services/:uuid/compose/versions',
      {
        config: { ability: 'read', servedByReaders: true },
        schema: {
          tags: ['compose'],
          operationId: 'listComposeVersions',
          summary: 'Version history, newest first',
          params: uuidParam,
          response: { 200: json(versionList, 'The history'), ...errorResponses(404) },
        },
      },
      async (request) => {
        return app.compose.versions(principalOf(request).teamId, request.params.uuid)
      },
    )

    server.get(
      '/services/:uuid/compose/versions/:n',
      {
        config: { ability: 'read', servedByReaders: true },
        schema: {
          tags: ['compose'],
          operationId: 'getComposeVersion',
          summary: 'One version',
          params: uuidParam.extend({ n: versionParam }),
          response: { 200: json(versionDetail, 'The version'), ...errorResponses(404) },
        },
      },
      async (request) => {
        return app.compose.version(principalOf(request).teamId, request.params.uuid, request.params.n)
      },
    )

    server.get(
      '/services/:uuid/compose/diff',
      {
        config: { ability: 'read', servedByReaders: true },
        schema: {
          tags: ['compose'],
          operationId: 'diffCompose',
          summary: 'Unified diff between two versions',
          params: uuidParam,
          querystring: z.object({
            from: versionParam,
            to: versionParam,
            rendered: z.enum(['true', 'false']).optional(),
          }),
          response: { 200: json(composeDiff, 'The diff'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const { from, to, rendered } = request.query
        return app.compose.diff(principalOf(request).teamId, request.params.uuid, from, to, rendered === 'true')
      },
    )

    server.post(
      '/services/:uuid/compose/rollback',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['compose'],
          operationId: 'rollbackCompose',
          summary: 'Append a version equal to version N',
          params: uuidParam,
          body: z.object({ version: versionInput, base_version: versionInput.optional() }),
          response: { 201: json(savedVersionSchema, 'The new version'), ...errorResponses(404, 409, 422) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const written = await app.compose.rollback(
          p.teamId,
          request.params.uuid,
          { version: request.body.version, baseVersion: request.body.base_version },
          actorOf(p),
        )
        return reply.status(201).send(written)
      },
    )

    server.post(
      '/services/:uuid/compose/validate',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['compose'],
          operationId: 'validateCompose',
          summary: 'Validate a proposed (or the current) file, including with `docker compose config`',
          params: uuidParam,
          body: validateBody,
          response: { 200: json(composeValidation, 'The verdict (nothing is stored)'), ...errorResponses(404) },
        },
      },
      async (request) => {
        return app.composeValidation.validate(principalOf(request).teamId, request.params.uuid, request.body.yaml)
      },
    )
  }
}

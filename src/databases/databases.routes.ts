import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { hasAbility } from '../auth/principal.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, timestamp } from '../http/responses.js'
import { uuidParam } from '../http/schemas.js'
import { DATABASE_TYPES, TEMPLATES } from './templates.js'

const createBody = z.object({
  type: z.enum(DATABASE_TYPES),
  name: z.string().min(1).max(63),
  version: z.string().min(1).max(64).optional().describe('The image tag; each type has a default'),
  image: z.string().min(1).max(255).optional().describe('A full image reference, overriding type and version'),
  public_port: z.number().int().min(1).max(65535).optional().describe('Publish the database on this host port'),
  description: z.string().max(2000).optional(),
  server_uuid: z
    .string()
    .uuid('must be a UUID')
    .optional()
    .describe("The server it deploys to (one of the team's); default: the project's default server"),
})

const databaseType = z.enum(DATABASE_TYPES)
const databaseTypeInfo = z
  .object({ type: databaseType, default_version: z.string(), default_image: z.string(), port: z.number().int() })
  .meta({ id: 'DatabaseTypeInfo' })
const databaseListItem = z
  .object({
    uuid: z.string(),
    name: z.string(),
    type: databaseType,
    image: z.string(),
    current_version: z.number().int(),
    created_at: timestamp,
  })
  .meta({ id: 'DatabaseListItem' })
const database = z
  .object({
    uuid: z.string(),
    project_uuid: z.string(),
    name: z.string(),
    type: databaseType,
    version: z.string().describe('The image tag'),
    image: z.string(),
    public_port: z.number().int().nullable(),
    volume_name: z.string(),
    current_version: z.number().int().describe('Its compose version'),
    server_uuid: z.string().nullable().describe('The server it deploys to; null: the instance default server'),
    created_at: timestamp,
    username: z.string(),
    database: z.string(),
    password_masked: z
      .boolean()
      .describe('True when the caller lacks read:sensitive: internal_url then carries a mask'),
    internal_url: z.string().describe('The connection string inside the Docker network'),
  })
  .meta({ id: 'Database' })
const databaseRemoval = z
  .object({ deployment_uuid: z.string().describe('The queued removal deployment'), message: z.string() })
  .meta({ id: 'DatabaseRemoval' })

export function databaseRoutes(app: Pick<App, 'databases'>): FastifyPluginAsyncZod {
  return async (server) => {
    // The create wizard offers these, so the UI never keeps its own copy of the templates.
    server.get(
      '/database-types',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['databases'],
          operationId: 'listDatabaseTypes',
          summary: 'The database types Berth can create, with their default image and port',
          response: { 200: json(z.object({ types: z.array(databaseTypeInfo) }), 'The types') },
        },
      },
      async () => {
        return {
          types: DATABASE_TYPES.map((type) => ({
            type,
            default_version: TEMPLATES[type].defaultVersion,
            default_image: TEMPLATES[type].image(TEMPLATES[type].defaultVersion),
            port: TEMPLATES[type].port,
          })),
        }
      },
    )

    server.post(
      '/projects/:uuid/databases',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['databases'],
          operationId: 'createDatabase',
          summary: 'Create a standalone database (generated credentials, named volume, health check)',
          params: uuidParam,
          body: createBody,
          response: { 201: json(database, 'Created (password masked)'), ...errorResponses(404, 409, 422) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply
          .status(201)
          .send(await app.databases.create(p.teamId, request.params.uuid, request.body, actorOf(p)))
      },
    )

    server.get(
      '/projects/:uuid/databases',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['databases'],
          operationId: 'listDatabases',
          summary: "A project's databases",
          params: uuidParam,
          response: {
            200: json(z.object({ databases: z.array(databaseListItem) }), 'Databases by name'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => {
        const rows = await app.databases.listInProject(principalOf(request).teamId, request.params.uuid)
        return {
          databases: rows.map((r) => ({
            uuid: r.id,
            name: r.name,
            type: r.type,
            image: r.image,
            current_version: r.current_version,
            created_at: r.created_at,
          })),
        }
      },
    )

    server.get(
      '/databases/:uuid',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['databases'],
          operationId: 'getDatabase',
          summary: 'A database; the connection string is masked without read:sensitive',
          params: uuidParam,
          response: { 200: json(database, 'The database'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.databases.get(p.teamId, request.params.uuid, hasAbility(p, 'read:sensitive'))
      },
    )

    server.delete(
      '/databases/:uuid',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['databases'],
          summary:
            'Delete a database: its configuration now, its containers and volume by a queued removal deployment (its deployment history stays)',
          operationId: 'deleteDatabase',
          params: uuidParam,
          response: { 202: json(databaseRemoval, 'Deleted; the removal is queued'), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const removal = await app.databases.remove(p.teamId, request.params.uuid, actorOf(p))
        return reply
          .status(202)
          .send({ ...removal, message: 'Database deleted; its containers and volume are being removed.' })
      },
    )
  }
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import type { ProjectTable } from '../db/schema.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, noContent, timestamp } from '../http/responses.js'
import { deleteVolumesQuery, uuidParam } from '../http/schemas.js'

const projectBody = z.object({
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000).optional(),
  default_server_uuid: z
    .string()
    .uuid('must be a UUID')
    .nullable()
    .optional()
    .describe(
      "The server new services and databases of the project deploy to (one of the team's); null: the default server",
    ),
})

const project = z
  .object({
    uuid: z.string(),
    name: z.string(),
    description: z.string(),
    default_server_uuid: z
      .string()
      .nullable()
      .describe('The server new services and databases deploy to; null: the instance default server'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Project' })
const projectListItem = project
  .extend({
    service_count: z.number().int().describe('Services, databases not included'),
    database_count: z.number().int(),
  })
  .meta({ id: 'ProjectListItem' })
const serviceSummary = z
  .object({ uuid: z.string(), name: z.string(), description: z.string(), current_version: z.number().int() })
  .meta({ id: 'ServiceSummary' })
const projectDetail = project
  .extend({ services: z.array(serviceSummary).describe('Its services (databases are listed on their own)') })
  .meta({ id: 'ProjectDetail' })

function view(
  p: Pick<ProjectTable, 'id' | 'name' | 'description' | 'default_server_id' | 'created_at' | 'updated_at'>,
) {
  return {
    uuid: p.id,
    name: p.name,
    description: p.description,
    default_server_uuid: p.default_server_id,
    created_at: p.created_at,
    updated_at: p.updated_at,
  }
}

/** The body's snake_case fields as the service takes them. */
function projectInput<T extends { default_server_uuid?: string | null }>({ default_server_uuid, ...rest }: T) {
  return { ...rest, defaultServerId: default_server_uuid }
}

export function projectRoutes(app: Pick<App, 'projects' | 'services'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/projects',
      {
        config: { ability: 'read', servedByReaders: true },
        schema: {
          tags: ['projects'],
          operationId: 'listProjects',
          summary: "List the team's projects",
          response: { 200: json(z.object({ projects: z.array(projectListItem) }), 'Projects by name') },
        },
      },
      async (request) => {
        const projects = await app.projects.list(principalOf(request).teamId)
        return {
          projects: projects.map((p) => ({
            ...view(p),
            service_count: p.service_count,
            database_count: p.database_count,
          })),
        }
      },
    )

    server.post(
      '/projects',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['projects'],
          operationId: 'createProject',
          summary: 'Create a project',
          body: projectBody,
          response: { 201: json(project, 'Created'), ...errorResponses(409, 422) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply.status(201).send(view(await app.projects.create(p.teamId, projectInput(request.body), actorOf(p))))
      },
    )

    server.get(
      '/projects/:uuid',
      {
        config: { ability: 'read', servedByReaders: true },
        schema: {
          tags: ['projects'],
          operationId: 'getProject',
          summary: 'A project and its services',
          params: uuidParam,
          response: { 200: json(projectDetail, 'The project'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const { teamId } = principalOf(request)
        const project = await app.projects.get(teamId, request.params.uuid)
        const services = await app.services.listInProject(teamId, project.id)
        return {
          ...view(project),
          services: services.map((s) => ({
            uuid: s.id,
            name: s.name,
            description: s.description,
            current_version: s.current_version,
          })),
        }
      },
    )

    server.patch(
      '/projects/:uuid',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['projects'],
          operationId: 'updateProject',
          summary: 'Rename or describe a project, or choose its default server',
          params: uuidParam,
          body: projectBody.partial(),
          response: { 200: json(project, 'The changed project'), ...errorResponses(404, 409, 422) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return view(await app.projects.update(p.teamId, request.params.uuid, projectInput(request.body), actorOf(p)))
      },
    )

    server.delete(
      '/projects/:uuid',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['projects'],
          operationId: 'deleteProject',
          summary: 'Delete a project and its services; what they run is taken down',
          params: uuidParam,
          querystring: deleteVolumesQuery,
          response: { 204: noContent('Deleted; removals are queued for what was deployed'), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.projects.remove(p.teamId, request.params.uuid, actorOf(p), {
          deleteVolumes: request.query.delete_volumes === 'true',
        })
        return reply.status(204).send()
      },
    )
  }
}

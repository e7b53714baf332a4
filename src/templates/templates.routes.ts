import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { hasAbility } from '../auth/principal.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json } from '../http/responses.js'
import { uuidParam, versionInput } from '../http/schemas.js'
import type { Template } from './templates.manifest.js'

const templateIdParam = z.object({ id: z.string().regex(/^[a-z0-9-]{1,63}$/, 'must be a template id') })
const projectTemplateParams = uuidParam.extend(templateIdParam.shape)
const parameterValue = z.union([z.string(), z.number(), z.boolean()])
const images = z
  .record(z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/), z.string().regex(/^[a-z0-9][a-z0-9._/:@-]{0,254}$/))
  .describe('Image per compose service, replacing the catalog image (a mirror, a local build)')

const templateSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    category: z.string(),
    tags: z.array(z.string()),
    logo: z.string(),
    docs: z.string(),
    version: z.string(),
    routed: z.boolean().describe('Whether a domain can route to the template'),
  })
  .meta({ id: 'TemplateSummary' })
const templateDetail = templateSummary
  .extend({
    parameters: z.array(
      z.object({
        name: z.string(),
        type: z.enum(['string', 'integer', 'boolean']),
        default: parameterValue,
        description: z.string(),
      }),
    ),
    secrets: z.array(z.object({ env: z.string(), description: z.string(), generator: z.string() })),
    route: z.object({ service: z.string(), port: z.number().int() }).nullable(),
    more_routes: z.array(z.object({ subdomain: z.string(), service: z.string(), port: z.number().int() })),
    health: z.object({ services: z.array(z.string()), timeout_seconds: z.number().int() }),
    compose: z.string().describe('The compose file with its {{berth.NAME}} parameters'),
  })
  .meta({ id: 'Template' })

const shownSecret = z.object({
  key: z.string(),
  value: z.string().describe('The generated value, shown this once; a mask without read:sensitive'),
  masked: z.boolean(),
})
const parameter = z.object({ name: z.string(), type: z.string(), value: parameterValue })

const deployBody = z
  .object({
    name: z.string().min(1).max(63),
    description: z.string().max(2000).optional(),
    parameters: z.record(z.string(), parameterValue).optional(),
    domain: z.string().min(1).max(253).optional().describe('Host name the template routes to'),
    images: images.optional(),
    deploy: z.boolean().default(false).describe('Queue a deployment after creating'),
  })
  .strict()
const createdRoute = z.object({
  domain: z.string(),
  route_id: z.string(),
  service: z.string(),
  compose_service: z.string(),
  port: z.number(),
})
const deployResult = z
  .object({
    service: z.object({ uuid: z.string(), name: z.string(), project_uuid: z.string(), current_version: z.number() }),
    template: z.object({ id: z.string(), version: z.string() }),
    parameters: z.array(parameter),
    secrets: z.array(shownSecret),
    route: createdRoute.nullable(),
    more_routes: z.array(createdRoute).describe("The template's further web interfaces, on sub-domains of the domain"),
    deployment_uuid: z.string().nullable(),
  })
  .meta({ id: 'TemplateDeployment' })

const importBody = deployBody
  .extend({
    format: z.enum(['coolify', 'dokploy']),
    compose: z
      .string()
      .min(1)
      .max(512 * 1024)
      .describe("The template's compose file"),
    template_toml: z
      .string()
      .max(512 * 1024)
      .optional()
      .describe("Dokploy's template.toml"),
    dry_run: z.boolean().default(false).describe('Only convert and report; create nothing'),
  })
  .strict()
const importResult = z
  .object({
    report: z.object({
      converted: z.array(z.string()),
      not_converted: z.array(z.string()),
      warnings: z.array(z.string()),
    }),
    compose: z.string().describe('The converted compose file with its {{berth.NAME}} parameters'),
    result: deployResult.nullable().describe('What was created; null for a dry run'),
  })
  .meta({ id: 'TemplateImport' })

const templateStatus = z
  .object({
    template_id: z.string(),
    template_name: z.string(),
    version: z.string().describe('The template version the service is at'),
    latest_version: z.string(),
    upgrade_available: z.boolean(),
  })
  .meta({ id: 'ServiceTemplate' })
const upgradeBody = z
  .object({
    parameters: z.record(z.string(), parameterValue).optional(),
    images: images.optional(),
    dry_run: z.boolean().default(false).describe('Only return the diff and the secrets it would add'),
    base_version: versionInput.optional(),
  })
  .strict()
const upgradeResult = z
  .object({
    from: z.string(),
    to: z.string(),
    diff: z.string().describe('Unified diff of the stored compose file'),
    new_secret_keys: z.array(z.string()),
    compose_version: z.number().nullable().describe('The compose version written; null for a dry run'),
    secrets: z.array(shownSecret),
  })
  .meta({ id: 'TemplateUpgrade' })

function summary(t: Template) {
  const { id, name, description, category, tags, logo, docs, version } = t
  return { id, name, description, category, tags, logo, docs, version, routed: t.route !== null }
}

function detail(t: Template) {
  return {
    ...summary(t),
    parameters: t.parameters,
    secrets: t.secrets.map((s) => ({ env: s.env, description: s.description, generator: s.generate.kind })),
    route: t.route,
    more_routes: t.more_routes,
    health: t.health,
    compose: t.compose,
  }
}

export function templateRoutes(app: Pick<App, 'templates'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/templates',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['templates'],
          operationId: 'listTemplates',
          summary: 'The template catalog',
          response: { 200: json(z.object({ templates: z.array(templateSummary) }), 'Templates by name') },
        },
      },
      async () => ({ templates: app.templates.list().map(summary) }),
    )

    server.get(
      '/templates/:id',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['templates'],
          operationId: 'getTemplate',
          summary: 'A template with its parameters, secrets and compose file',
          params: templateIdParam,
          response: { 200: json(templateDetail, 'The template'), ...errorResponses(404) },
        },
      },
      async (request) => detail(app.templates.get(request.params.id)),
    )

    server.get(
      '/templates/:id/logo',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['templates'],
          operationId: 'getTemplateLogo',
          summary: "The template's logo, served by Berth (a letter badge when its logo cannot be fetched)",
          params: templateIdParam,
          response: {
            200: {
              description: 'An image (PNG, SVG, ICO, JPEG, GIF or WebP)',
              content: {
                'image/*': { schema: z.instanceof(Buffer).meta({ type: 'string', contentMediaType: 'image/*' }) },
              },
            },
            ...errorResponses(404),
          },
        },
      },
      async (request, reply) => {
        const logo = await app.templates.logo(request.params.id)
        // An SVG is shown as an image only; should one be opened as a page, it may run nothing.
        void reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
        void reply.header('cache-control', 'private, max-age=3600')
        return reply.type(logo.type).send(logo.body)
      },
    )

    server.post(
      '/projects/:uuid/templates/:id',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['templates'],
          operationId: 'deployTemplate',
          summary: 'Create a service from a template: compose version 1, parameters, secrets, route',
          params: projectTemplateParams,
          body: deployBody,
          response: {
            201: json(deployResult, 'Created; secrets are shown this once'),
            ...errorResponses(404, 409, 422, 429),
          },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const result = await app.templates.deploy(
          p.teamId,
          request.params.uuid,
          request.params.id,
          request.body,
          actorOf(p),
          hasAbility(p, 'read:sensitive'),
        )
        return reply.status(201).send(result)
      },
    )

    server.post(
      '/projects/:uuid/template-imports',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['templates'],
          operationId: 'importTemplate',
          summary: 'Convert a Coolify or Dokploy template and create a service from it, with a report',
          params: uuidParam,
          body: importBody,
          response: {
            200: json(importResult, 'Converted only (dry run)'),
            201: json(importResult, 'Converted and created; secrets are shown this once'),
            ...errorResponses(404, 409, 422, 429),
          },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const { template_toml, dry_run, ...rest } = request.body
        const imported = await app.templates.importTemplate(
          p.teamId,
          request.params.uuid,
          { ...rest, templateToml: template_toml, dryRun: dry_run },
          actorOf(p),
          hasAbility(p, 'read:sensitive'),
        )
        return reply.status(imported.result ? 201 : 200).send(imported)
      },
    )

    server.get(
      '/services/:uuid/template',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['templates'],
          operationId: 'getServiceTemplate',
          summary: 'The template a service came from, and whether a newer version is there',
          params: uuidParam,
          response: {
            200: json(
              z.object({
                template: templateStatus.nullable().describe('null: the service was not created from a template'),
              }),
              'The template origin',
            ),
            ...errorResponses(404),
          },
        },
      },
      async (request) => ({ template: await app.templates.status(principalOf(request).teamId, request.params.uuid) }),
    )

    server.post(
      '/services/:uuid/template/upgrade',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['templates'],
          operationId: 'upgradeServiceTemplate',
          summary: "Write the template's newest version as a new compose version, keeping parameters and secrets",
          params: uuidParam,
          body: upgradeBody,
          response: { 200: json(upgradeResult, 'The upgrade (or its plan)'), ...errorResponses(404, 409, 422) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        const { parameters, images, dry_run, base_version } = request.body
        return app.templates.upgrade(
          p.teamId,
          request.params.uuid,
          { parameters, images, dryRun: dry_run, baseVersion: base_version },
          actorOf(p),
          hasAbility(p, 'read:sensitive'),
        )
      },
    )
  }
}

import cookie from '@fastify/cookie'
import websocket from '@fastify/websocket'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify'
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import type { App } from '../app.js'
import { auditRoutes } from '../audit/audit.routes.js'
import { backupRoutes } from '../backups/backups.routes.js'
import { authRoutes } from '../auth/auth.routes.js'
import { tokenRoutes } from '../auth/tokens.routes.js'
import { teamRoutes } from '../auth/teams.routes.js'
import { userRoutes } from '../auth/users.routes.js'
import { composeRoutes } from '../compose/compose.routes.js'
import { parameterRoutes } from '../compose/parameters.routes.js'
import { statsStreamRoutes } from '../deployments/stats-stream.routes.js'
import { dashboardRoutes } from '../dashboard/dashboard.routes.js'
import { databaseRoutes } from '../databases/databases.routes.js'
import { databaseBackupRoutes } from '../database-backups/database-backups.routes.js'
import { destinationRoutes } from '../database-backups/destinations.routes.js'
import { volumeBackupRoutes } from '../database-backups/volume-backups.routes.js'
import { deploymentRoutes } from '../deployments/deployments.routes.js'
import { logStreamRoutes } from '../deployments/log-stream.routes.js'
import { containerLogStreamRoutes } from '../deployments/container-logs-stream.routes.js'
import { envRoutes } from '../env/env.routes.js'
import { eventsRoutes } from '../events/events.routes.js'
import { serverRoutes } from '../servers/servers.routes.js'
import { proxyRuntimeRoutes } from '../proxy-runtime/proxy-runtime.routes.js'
import { projectRoutes } from '../projects/projects.routes.js'
import { domainRoutes } from '../proxy/domains.routes.js'
import { middlewareRoutes } from '../proxy/middlewares.routes.js'
import { proxyRoutes } from '../proxy/proxy.routes.js'
import { serviceRoutes } from '../services/services.routes.js'
import { gitSourceRoutes } from '../git-sources/git-sources.routes.js'
import { gitWebhookRoutes } from '../git-sources/webhooks.routes.js'
import { registryRoutes } from '../registries/registries.routes.js'
import { settingsRoutes } from '../settings/settings.routes.js'
import { registerAuthentication, SESSION_COOKIE } from './auth-hook.js'
import { registerErrorHandling } from './errors.js'
import { registerBodyParsing } from './json-body.js'
import { registerSecurityHeaders } from './security-headers.js'
import { registerRequestLog } from './request-log.js'
import { registerForwarding, trustsReaders } from './forward-to-primary.js'
import { healthRoutes } from './health.routes.js'
import { metricsRoutes, type RequestObserver } from '../metrics/metrics.routes.js'
import { notificationRoutes } from '../notifications/notifications.routes.js'
import { templateRoutes } from '../templates/templates.routes.js'
import { terminalRoutes } from '../terminal/terminal.routes.js'
import { registerWebUi } from './web.js'
import { projectingSerializerCompiler } from './response-projection.js'
import { registerResponseDescriptions, registerStatusCheck, strictSerializerCompiler } from './response-check.js'
import { dropUnusedSchemas, TAGS } from './openapi.js'

export type Server = FastifyInstance

// A compose file may be 1 MiB; JSON escaping can nearly double it.
const BODY_LIMIT_BYTES = 3 * 1024 * 1024

export type HttpServerOptions = {
  /**
   * Fail (500 response_mismatch) any answer that its route's response schema would change (a key
   * it does not declare, a converted value) or whose status it does not declare, instead of
   * silently stripping the body. The test harness turns it on so a wrong schema fails a test.
   */
  strictResponses?: boolean
  /**
   * Makes this a reader process's server: it answers only the routes that declare
   * `servedByReaders` and passes the rest to the serving process listening on this Unix socket.
   */
  forwardTo?: string
  /** The serving process of readers (BERTH_HTTP_PROCESSES > 1): believes the client address they pass on. */
  servesReaders?: boolean
  /** Where a reader records request durations (the serving process's /metrics counts them); default: this process's metrics. */
  observe?: RequestObserver
}

export async function createHttpServer(app: App, options: HttpServerOptions = {}): Promise<FastifyInstance> {
  const server = Fastify({
    loggerInstance: app.logger as FastifyBaseLogger,
    // registerRequestLog writes one line per request instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // A reader passes the client's address along; believed only from a reader (see trustsReaders).
    // Off otherwise: with it, every read of request.ip parses forwarding headers.
    ...(options.servesReaders ? { trustProxy: trustsReaders } : {}),
    // The router answers these itself, before any handler: without this, in Fastify's own shape.
    frameworkErrors: (error, _request, reply) => {
      const answer = reply as unknown as FastifyReply
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
        return answer
          .status(414)
          .send({ error: { code: 'uri_too_long', message: 'A part of the URL path is longer than 100 characters.' } })
      return answer
        .status(400)
        .send({ error: { code: 'invalid_url', message: 'The URL path is not valid (bad percent-encoding).' } })
    },
  }).withTypeProvider<ZodTypeProvider>()
  server.setValidatorCompiler(validatorCompiler)
  server.setSerializerCompiler(options.strictResponses ? strictSerializerCompiler : projectingSerializerCompiler)
  registerResponseDescriptions(server)
  if (options.strictResponses) registerStatusCheck(server)
  registerErrorHandling(server)
  registerBodyParsing(server)
  registerSecurityHeaders(server)
  // First of the onRequest hooks: what a reader passes on is authenticated where it is answered.
  if (options.forwardTo) registerForwarding(server, options.forwardTo)
  registerRequestLog(server)
  await server.register(cookie)
  // Terminal messages are keystrokes and sizes: a megabyte is far beyond any real one. A reader
  // passes WebSocket handshakes on as they come (registerForwarding).
  if (!options.forwardTo) await server.register(websocket, { options: { maxPayload: 1024 * 1024 } })
  registerAuthentication(server, app)

  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Berth API',
        version: '1',
        description: 'Database-first control plane for Docker Compose deployments behind Traefik.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'This Berth instance' }],
      tags: TAGS,
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API token from `berth token create` or POST /api/v1/tokens',
          },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    // Public routes need no credentials: say so per operation instead of inheriting the global security.
    transform: (input) => {
      const out = jsonSchemaTransform(input)
      if (input.route.config?.ability === 'public' && !out.schema.hide) out.schema = { ...out.schema, security: [] }
      return out
    },
    transformObject: (input) => dropUnusedSchemas(jsonSchemaTransformObject(input)),
  })
  await server.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { url: '/api/v1/openapi.json' } })

  server.get('/api/v1/openapi.json', { config: { ability: 'public' }, schema: { hide: true } }, async () =>
    server.swagger(),
  )
  await server.register(healthRoutes(app))
  // Registered without encapsulation so its onResponse hook sees every route.
  await metricsRoutes(app, options.observe)(server, {})
  await server.register(
    async (api) => {
      await api.register(authRoutes(app))
      await api.register(tokenRoutes(app))
      await api.register(teamRoutes(app))
      await api.register(userRoutes(app))
      await api.register(projectRoutes(app))
      await api.register(serviceRoutes(app))
      await api.register(composeRoutes(app))
      await api.register(parameterRoutes(app))
      await api.register(envRoutes(app))
      await api.register(auditRoutes(app))
      await api.register(backupRoutes(app))
      await api.register(domainRoutes(app))
      await api.register(middlewareRoutes(app))
      await api.register(proxyRoutes(app))
      await api.register(settingsRoutes(app))
      await api.register(deploymentRoutes(app))
      await api.register(logStreamRoutes(app))
      await api.register(eventsRoutes(app))
      await api.register(serverRoutes(app))
      await api.register(proxyRuntimeRoutes(app))
      await api.register(databaseRoutes(app))
      await api.register(dashboardRoutes(app))
      await api.register(statsStreamRoutes(app))
      await api.register(containerLogStreamRoutes(app))
      await api.register(terminalRoutes(app))
      await api.register(notificationRoutes(app))
      await api.register(templateRoutes(app))
      await api.register(destinationRoutes(app))
      await api.register(databaseBackupRoutes(app))
      await api.register(volumeBackupRoutes(app))
      await api.register(gitSourceRoutes(app))
      await api.register(gitWebhookRoutes(app))
      await api.register(registryRoutes(app))
    },
    { prefix: '/api/v1' },
  )
  await registerWebUi(server)
  return server
}

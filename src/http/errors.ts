import type { FastifyError, FastifyInstance } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { AppError, TooManyRequestsError } from '../errors.js'

export type ErrorBody = { error: { code: string; message: string; details?: unknown } }

function body(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } }
}

/** One error shape everywhere; anything unexpected becomes a generic 500 that shows no SQL, path or secret. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      if (error instanceof TooManyRequestsError) void reply.header('retry-after', String(error.retryAfterSeconds))
      return reply.status(error.status).send(body(error.code, error.message, error.details))
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((v) => ({
        path: [error.validationContext, ...String(v.instancePath).split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'is invalid',
      }))
      const first = issues[0]
      return reply
        .status(400)
        .send(
          body(
            'invalid_request',
            `The request is not valid: ${first ? `${first.path}: ${first.message}` : 'see details'}.`,
            { issues },
          ),
        )
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      const code = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'payload_too_large' : 'invalid_request'
      return reply.status(error.statusCode).send(body(code, error.message))
    }
    request.log.error({ err: error }, 'unhandled error')
    return reply.status(500).send(body('internal_error', 'Something went wrong on the server; the error was logged.'))
  })

  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send(body('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`))
  })
}

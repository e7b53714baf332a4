import type { FastifyError, FastifyInstance } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { AppError, TooManyRequestsError } from '../errors.js'

export type ErrorBody = { error: { code: string; message: string; details?: unknown } }

function body(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } }
}

const STORAGE_FULL = new Set(['SQLITE_FULL', 'ENOSPC', '53100'])
// Connection refused or reset, PostgreSQL shutting down or starting, a connection lost mid-query.
const DATABASE_AWAY = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
])

/**
 * A failure of the storage under Berth rather than of the request: the disk is full, or the
 * database server is away. The caller may retry later; reads keep working on a full disk.
 */
export function storageProblem(error: unknown): { code: string; message: string } | undefined {
  for (let e = error as { code?: unknown; cause?: unknown; message?: unknown } | undefined; e; e = e.cause as never) {
    if (STORAGE_FULL.has(String(e.code)))
      return {
        code: 'storage_full',
        message:
          "Berth's data disk is full, so the change was not saved; free some space and try again (reading still works).",
      }
    if (DATABASE_AWAY.has(String(e.code)) || /Connection terminated/.test(String(e.message)))
      return {
        code: 'database_unavailable',
        message: 'Berth cannot reach its database right now; try again in a moment.',
      }
  }
  return undefined
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
    const storage = storageProblem(error)
    if (storage) {
      request.log.error({ err: error }, storage.code)
      void reply.header('retry-after', '30')
      return reply.status(503).send(body(storage.code, storage.message))
    }
    request.log.error({ err: error }, 'unhandled error')
    return reply.status(500).send(body('internal_error', 'Something went wrong on the server; the error was logged.'))
  })

  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send(body('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`))
  })
}

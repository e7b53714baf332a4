import type { FastifyInstance, FastifySchema, FastifySerializerCompiler, RouteOptions } from 'fastify'
import { serializerCompiler } from 'fastify-type-provider-zod'
import { AppError } from '../errors.js'
import { projectingSerializerCompiler } from './response-projection.js'
import { errorResponses } from './responses.js'

type ResponseMap = Record<string, unknown>

/** Thrown (strict mode only) when an answer is not exactly what its route declares. */
export class ResponseMismatchError extends AppError {
  constructor(message: string, details?: unknown) {
    super(500, 'response_mismatch', message, details)
  }
}

/**
 * Every documented route must declare its responses, like its ability (auth-hook.ts), so the
 * OpenAPI document describes every body. The errors every route of a kind can answer are added
 * here rather than repeated: 400 for a route that takes params, a query or a body (plus 413 and
 * 415 for a body), 401 and 403 for a route that needs an ability. Routes declare the rest.
 */
export function registerResponseDescriptions(server: FastifyInstance): void {
  server.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as (FastifySchema & { hide?: boolean; response?: ResponseMap }) | undefined
    if (schema?.hide) return
    if (!schema?.response) throw new Error(`Route ${route.method} ${route.url} declares no response schema`)
    const takesInput = schema.params || schema.querystring || schema.body || schema.headers
    const authenticated = route.config?.ability !== undefined && route.config.ability !== 'public'
    schema.response = {
      ...(takesInput ? errorResponses(400) : {}),
      ...(schema.body ? errorResponses(413, 415) : {}),
      // Every authenticated route reads or writes the database, which may be full or out of reach.
      ...(authenticated ? errorResponses(401, 403, 503) : {}),
      ...schema.response,
    }
  })
}

function isDeclared(responses: ResponseMap, status: number): boolean {
  return String(status) in responses || `${String(status)[0]}XX` in responses || `${String(status)[0]}xx` in responses
}

/** The first place where `actual` (what was serialized) differs from `expected` (what the handler gave), if any. */
export function firstDifference(expected: unknown, actual: unknown, path = 'body'): string | undefined {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) return `${path} has ${actual.length} items instead of ${expected.length}`
    for (let i = 0; i < expected.length; i++) {
      const found = firstDifference(expected[i], actual[i], `${path}[${i}]`)
      if (found) return found
    }
    return undefined
  }
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object') {
    const e = expected as Record<string, unknown>
    const a = actual as Record<string, unknown>
    for (const key of Object.keys(e)) {
      if (!(key in a)) return `${path}.${key} is not declared by the response schema (it was dropped)`
      const found = firstDifference(e[key], a[key], `${path}.${key}`)
      if (found) return found
    }
    const added = Object.keys(a).find((key) => !(key in e))
    return added === undefined ? undefined : `${path}.${added} was added by the response schema`
  }
  return Object.is(expected, actual)
    ? undefined
    : `${path} was changed by the response schema: ${JSON.stringify(expected)} became ${JSON.stringify(actual)}`
}

/**
 * The zod serializer, made strict: besides refusing a body of the wrong type (as it always does),
 * it refuses one that it would change, which is what a missing key in a schema does silently
 * (zod drops keys an object schema does not name), and one that production's faster serializer
 * (response-projection.ts) would write differently from zod. Meant for tests (createHttpServer's
 * `strictResponses`); in production the projection's stripping stays a last guard.
 */
export const strictSerializerCompiler: FastifySerializerCompiler<unknown> = (route) => {
  const serialize = serializerCompiler(route as Parameters<typeof serializerCompiler>[0])
  const project = projectingSerializerCompiler(route)
  const where = `${route.method} ${route.url} (${route.httpStatus}${route.contentType ? ` ${route.contentType}` : ''})`
  return (data) => {
    let out: string
    try {
      out = serialize(data)
    } catch (error) {
      const issues = (error as { cause?: { issues?: unknown } }).cause?.issues
      throw new ResponseMismatchError(`${where} answered a body its response schema refuses`, { issues })
    }
    const difference = firstDifference(JSON.parse(JSON.stringify(data)) as unknown, JSON.parse(out) as unknown)
    if (difference) throw new ResponseMismatchError(`${where}: ${difference}`)
    const projected = project(data)
    if (projected !== out) {
      const found = firstDifference(JSON.parse(out) as unknown, JSON.parse(projected) as unknown)
      throw new ResponseMismatchError(`${where}: the projection and zod disagree: ${found ?? 'in the order of keys'}`)
    }
    return out
  }
}

/** Strict mode: an answer with a status its route does not declare is a mismatch too (500s excepted). */
export function registerStatusCheck(server: FastifyInstance): void {
  server.addHook('onSend', async (request, reply, payload) => {
    const responses = (request.routeOptions.schema as { response?: ResponseMap } | undefined)?.response
    if (!responses || reply.statusCode === 500 || isDeclared(responses, reply.statusCode)) return payload
    const message = `${request.method} ${request.routeOptions.url} answered ${reply.statusCode}, a status its response schema does not declare`
    void reply.code(500).header('content-type', 'application/json; charset=utf-8')
    return JSON.stringify({ error: { code: 'response_mismatch', message } })
  })
}

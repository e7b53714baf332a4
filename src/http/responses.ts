import { z } from 'zod'

/**
 * Shared pieces of the response schemas every route declares in `schema.response`. The zod
 * serializer validates each answer against them (and drops keys they do not name), and the OpenAPI
 * document describes them; `test/support/harness.ts` runs the server with `strictResponses`, so a
 * body its schema does not describe exactly fails the test that saw it.
 */

/** The one error shape of the API (src/http/errors.ts). */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe('Stable machine-readable code, e.g. not_found, version_conflict'),
      message: z.string().describe('A sentence for humans that names the identifier the caller sent'),
      details: z.unknown().optional().describe('Structured context, e.g. issues[] for invalid_request'),
    }),
  })
  .meta({ id: 'Error', description: 'An error: `{ error: { code, message, details? } }`' })

const ERROR_DESCRIPTIONS = {
  400: 'The request is not valid (invalid_request with details.issues, or a code naming the problem)',
  401: 'No valid session cookie or bearer token (unauthorized)',
  403: "The caller's abilities do not allow this (missing_ability, or a code naming the refusal)",
  404: 'The resource does not exist or belongs to another team (not_found)',
  409: 'The request conflicts with the current state (e.g. name_taken, version_conflict)',
  413: 'The request body is too large (payload_too_large)',
  415: 'The request body is not JSON (invalid_request)',
  422: 'The change is well-formed but cannot be applied (e.g. invalid_compose, invalid_proxy_config)',
  429: 'Too many requests (rate_limited; details.retry_after_seconds, Retry-After header)',
  502: 'An upstream system (the Docker engine, the proxy) failed',
  503: 'Berth cannot store or read its data now (storage_full: its data disk is full; database_unavailable), Retry-After header',
} as const

export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS

/** A JSON response with a description of its own (a named schema's description is shared by every use). */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } }
}

/** Error responses with the shared error body, e.g. `...errorResponses(404, 409)`. */
export function errorResponses<const S extends ErrorStatus>(...statuses: S[]) {
  return Object.fromEntries(statuses.map((status) => [status, json(errorBody, ERROR_DESCRIPTIONS[status])])) as Record<
    S,
    ReturnType<typeof json<typeof errorBody>>
  >
}

/** A 204 answer: no body at all. */
export function noContent(description: string) {
  return z.undefined().describe(description)
}

/** A plain-text answer (not serialized by a schema: Fastify sends strings with a text type as they are). */
export function text(description: string, mediaType = 'text/plain') {
  return { description, content: { [mediaType]: { schema: z.string() } } }
}

/** Timestamps as the API writes them: ISO-8601 UTC with milliseconds. */
export const timestamp = z.string().describe('ISO-8601 UTC timestamp')

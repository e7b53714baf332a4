import type { FastifyInstance } from 'fastify'
import { BadRequestError } from '../errors.js'

// \u0000 after an even number (zero included) of backslashes: an escape, not the text "\\u0000".
const ESCAPED_NUL = /(?<!\\)(?:\\\\)*\\u0000/
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Request bodies, where an empty or missing body is an empty object. Fastify's own JSON parser
 * answers 400 "Body cannot be empty" when a client sends `Content-Type: application/json` with
 * nothing after it, which is what `curl -X POST -H 'Content-Type: application/json'` and most
 * generated clients do for a POST whose body is optional; with no body at all the schema saw null.
 * An empty object passes where every field is optional, and a route that needs fields still names
 * the missing ones through its schema. Other JSON goes to Fastify's parser, which keeps its
 * prototype-poisoning protection.
 */
export function registerBodyParsing(server: FastifyInstance): void {
  const parseJson = server.getDefaultJsonParser('error', 'error')
  server.removeContentTypeParser('application/json')
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body)
    if (text.trim() === '') return done(null, {})
    // PostgreSQL cannot store a NUL character in text, and no Berth value needs one: refuse it here
    // with a clear 400 instead of failing later at the database (found by the fuzz suite). A raw NUL
    // is not JSON anyway; this is the escape, not preceded by an escaped backslash.
    if (ESCAPED_NUL.test(text))
      return done(new BadRequestError('invalid_request', 'The request body contains a NUL character (\\u0000).'))
    parseJson(request, text, done)
  })
  server.addHook('preValidation', async (request) => {
    if (request.body == null && METHODS_WITH_BODY.has(request.method)) request.body = {}
  })
}

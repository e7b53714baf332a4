import type { FastifyReply } from 'fastify'
import { API_CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './security-headers.js'

/**
 * Takes the response over for a Server-Sent Events stream and writes its head. A hijacked reply
 * skips Fastify's hooks, so the security headers every other answer gets are written here too.
 */
export function startEventStream(reply: FastifyReply) {
  reply.hijack()
  const raw = reply.raw
  raw.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-security-policy': API_CONTENT_SECURITY_POLICY,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    // Proxies (nginx) must not buffer the stream.
    'x-accel-buffering': 'no',
  })
  return raw
}

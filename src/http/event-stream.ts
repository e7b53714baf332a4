import type { ServerResponse } from 'node:http'
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

const KEEP_ALIVE_MS = 15_000

/** A comment line every 15 s, so proxies and browsers keep an idle stream open; answers the stop. */
export function keepAlive(raw: Pick<ServerResponse, 'write'>): () => void {
  const timer = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS)
  return () => clearInterval(timer)
}

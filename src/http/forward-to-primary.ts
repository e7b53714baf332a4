import { Agent, type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { FastifyInstance, FastifyRequest } from 'fastify'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route answers from the database alone: no state of the serving process (event streams,
     * log buffers, monitors, counters) and no side effect. With BERTH_HTTP_PROCESSES > 1 a reader
     * process answers it; every other request goes to the serving process.
     */
    servedByReaders?: boolean
  }
}

/** The header that carries the client's address from a reader to the serving process (see clientAddressOf). */
const CLIENT_ADDRESS_HEADER = 'x-forwarded-for'

// Hop-by-hop headers belong to one connection, not to the request or answer passed along it.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'upgrade'])
// A client must not choose the address or scheme the serving process believes: the reader sets the address itself.
const CLIENT_CLAIMS = new Set([CLIENT_ADDRESS_HEADER, 'x-forwarded-host', 'x-forwarded-proto', 'forwarded'])

function requestHeaders(headers: IncomingHttpHeaders, clientAddress: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers))
    if (!HOP_BY_HOP.has(name) && !CLIENT_CLAIMS.has(name)) out[name] = value
  out[CLIENT_ADDRESS_HEADER] = clientAddress
  return out
}

/** Raw response headers (name, value, name, value...) without the hop-by-hop ones; repeated set-cookie lines stay. */
function answerHeaders(raw: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!)
  return out
}

const PRIMARY_AWAY = JSON.stringify({
  error: {
    code: 'server_unavailable',
    message: "Berth's serving process did not answer this request; try again in a moment.",
  },
})

function forwardRequest(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  clientAddress: string,
  primary: { socketPath: string; agent: Agent },
): void {
  const upstream = request(
    {
      socketPath: primary.socketPath,
      agent: primary.agent,
      method: incoming.method,
      path: incoming.url,
      headers: requestHeaders(incoming.headers, clientAddress),
    },
    (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answerHeaders(answer.rawHeaders))
      answer.pipe(outgoing)
    },
  )
  upstream.on('error', (error) => {
    if (outgoing.headersSent) return outgoing.destroy(error)
    outgoing.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' })
    outgoing.end(PRIMARY_AWAY)
  })
  // A client that leaves (a closed event stream) ends the request to the serving process too.
  outgoing.on('close', () => {
    if (!outgoing.writableFinished) upstream.destroy()
  })
  incoming.pipe(upstream)
}

/** A WebSocket handshake (the terminal) goes to the serving process as raw bytes, then both ways. */
function forwardUpgrade(incoming: IncomingMessage, client: Socket, head: Buffer, socketPath: string): void {
  const upstream = connect(socketPath)
  const close = () => {
    client.destroy()
    upstream.destroy()
  }
  client.on('error', close)
  upstream.on('error', close)
  upstream.on('connect', () => {
    const lines = [`${incoming.method} ${incoming.url} HTTP/1.1`]
    for (let i = 0; i < incoming.rawHeaders.length; i += 2)
      if (!CLIENT_CLAIMS.has(incoming.rawHeaders[i]!.toLowerCase()))
        lines.push(`${incoming.rawHeaders[i]}: ${incoming.rawHeaders[i + 1]}`)
    lines.push(`${CLIENT_ADDRESS_HEADER}: ${client.remoteAddress ?? ''}`)
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
    if (head.length > 0) upstream.write(head)
    client.pipe(upstream).pipe(client)
  })
}

const passedOnRequests = new WeakSet<FastifyRequest>()

/** True for a request this reader passed to the serving process: that process logs and counts it. */
export function passedOn(request: FastifyRequest): boolean {
  return passedOnRequests.has(request)
}

/**
 * Makes this server a reader: it answers the routes that declare `servedByReaders` and passes
 * every other request (writes, streams, process state, unknown paths) to the serving process over
 * its Unix socket, so that process stays the one writer and the one owner of in-memory state. The
 * hook runs before authentication and body parsing: the serving process does both for what it gets.
 */
export function registerForwarding(server: FastifyInstance, socketPath: string): void {
  const primary = { socketPath, agent: new Agent({ keepAlive: true }) }
  server.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config?.servedByReaders === true) return done()
    passedOnRequests.add(request)
    void reply.hijack()
    forwardRequest(request.raw, reply.raw, request.ip, primary)
  })
  server.server.on('upgrade', (incoming: IncomingMessage, client: Socket, head: Buffer) =>
    forwardUpgrade(incoming, client, head, socketPath),
  )
}

/**
 * Fastify's trustProxy test: the client address header is believed only on a connection without a
 * peer address, which is a Unix socket, which only the serving process's readers reach (the socket
 * is in the private data dir). A TCP client's own header is never believed.
 */
export function trustsReaders(address: string | undefined, hop: number): boolean {
  return hop === 0 && address === undefined
}

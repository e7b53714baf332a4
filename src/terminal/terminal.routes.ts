import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { hasAbility } from '../auth/principal.js'
import { AppError } from '../errors.js'
import { authenticateRequest, principalOf } from '../http/auth-hook.js'
import { errorResponses, json } from '../http/responses.js'
import { uuidParam } from '../http/schemas.js'
import type { TerminalSession } from './terminal.service.js'

// A revoked session or token, or a lost role, ends an open terminal within this long.
const RECHECK_MS = 5000
// WebSocket close codes in the application range (4000-4999): the page shows the reason.
const CLOSE = { ended: 1000, failed: 4000, revoked: 4001, idle: 4002 } as const

const capitalized = { service: 'Service', database: 'Database' } as const

const terminalQuery = z.object({
  container: z.string().max(128).optional().describe('container name; the first running one when absent'),
  cols: z.coerce.number().int().min(10).max(500).default(80),
  rows: z.coerce.number().int().min(5).max(200).default(24),
})

const terminalTarget = z
  .object({
    container: z.string().describe('The running container the shell opens in'),
    websocket_path: z.string().describe('Where to open the WebSocket'),
  })
  .meta({ id: 'TerminalTarget' })

/** What the page sends: keystrokes, and its size when it changes. */
const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input'), data: z.string().max(65_536) }),
  z.object({
    type: z.literal('resize'),
    cols: terminalQuery.shape.cols.unwrap(),
    rows: terminalQuery.shape.rows.unwrap(),
  }),
])

/** The members of ws's WebSocket this route uses (ws ships no type declarations of its own). */
type Socket = {
  readonly readyState: number
  readonly OPEN: number
  send(data: Buffer, options: { binary: boolean }): void
  close(code: number, reason: string): void
  on(event: 'close', listener: () => void): void
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void
}

type ClientMessage = z.infer<typeof clientMessage>

/** A WebSocket close reason is at most 123 bytes. */
const closeReason = (text: string) => Buffer.from(text).subarray(0, 123).toString()

/**
 * A shell in a running container over a WebSocket: the engine's exec with a pseudo-terminal,
 * reached through the server's own transport (so ssh:// servers work too). Output goes to the page
 * as binary frames; the page sends JSON messages. Keystrokes are never logged or audited; the
 * session's start and end are.
 */
export function terminalRoutes(
  app: Pick<App, 'terminals' | 'sessions' | 'tokens' | 'config' | 'logger'>,
): FastifyPluginAsyncZod {
  return async (server) => {
    for (const type of ['service', 'database'] as const) {
      server.route({
        method: 'GET',
        url: `/${type}s/:uuid/terminal`,
        config: { ability: 'terminal' },
        schema: {
          tags: ['deployments'],
          operationId: `open${capitalized[type]}Terminal`,
          summary: `A shell in one of the ${type}'s running containers (WebSocket)`,
          description:
            'Open with a WebSocket handshake. Output arrives as binary frames; send JSON text frames `{ "type": "input", "data": "..." }` and `{ "type": "resize", "cols": 120, "rows": 40 }`. A plain GET (no handshake) answers which container the shell would open in. The server closes with 4000 (failed to open: the reason says why), 4001 (the session or token was revoked), 4002 (idle for BERTH_TERMINAL_IDLE_SECONDS) or 1000 (the shell ended).',
          params: uuidParam,
          querystring: terminalQuery,
          response: {
            200: json(terminalTarget, 'Not a WebSocket handshake: where the terminal would open'),
            ...errorResponses(404, 409, 502),
          },
        },
        // Before the handshake is answered: another team's resource, or one with nothing running, is
        // refused with a status (404, 409) rather than a WebSocket opened only to be closed.
        preHandler: async (request) => {
          await app.terminals.target(principalOf(request).teamId, type, request.params.uuid, request.query.container)
        },
        // A plain GET is the check a page can make first: which container the shell would open in.
        handler: async (request) => {
          const { uuid } = request.params
          const { container } = await app.terminals.target(
            principalOf(request).teamId,
            type,
            uuid,
            request.query.container,
          )
          return { container: container.name, websocket_path: `/api/v1/${type}s/${uuid}/terminal` }
        },
        wsHandler: (socket, request) => {
          void runTerminal(socket as Socket, request as never, type)
        },
      })
    }

    async function runTerminal(
      socket: Socket,
      request: FastifyRequest<{ Params: z.infer<typeof uuidParam>; Querystring: z.infer<typeof terminalQuery> }>,
      type: 'service' | 'database',
    ) {
      const { cols, rows, container } = request.query
      // Messages that arrive while the exec is being made are kept, not lost, and played after.
      const early: ClientMessage[] = []
      let session: TerminalSession | undefined
      let pageGone = false
      let lastInput = Date.now()
      let watch: ReturnType<typeof setInterval> | undefined
      const apply = (open: TerminalSession, message: ClientMessage) => {
        if (message.type === 'input') {
          lastInput = Date.now()
          open.input(message.data)
        } else {
          open.resize(message).catch((error) => app.logger.warn({ err: error }, 'terminal resize failed'))
        }
      }
      socket.on('message', (raw, isBinary) => {
        const parsed = isBinary ? undefined : clientMessage.safeParse(safeJson(raw.toString()))
        if (!parsed?.success) return
        if (session) apply(session, parsed.data)
        else early.push(parsed.data)
      })
      socket.on('close', () => {
        pageGone = true
        end(CLOSE.ended, 'The page closed the terminal.')
      })
      try {
        session = await app.terminals.open(principalOf(request), {
          type,
          id: request.params.uuid,
          container,
          size: { cols, rows },
        })
      } catch (error) {
        const message = error instanceof AppError ? error.message : 'The terminal could not be opened.'
        if (!(error instanceof AppError)) app.logger.error({ err: error }, 'terminal open failed')
        socket.close(CLOSE.failed, closeReason(message))
        return
      }
      watch = setInterval(
        async () => {
          const now = await authenticateRequest(app, request).catch(() => undefined)
          if (!now || !hasAbility(now, 'terminal')) end(CLOSE.revoked, 'The session or token was revoked.')
          else if (Date.now() - lastInput >= app.config.terminalIdleMs)
            end(CLOSE.idle, 'Closed after a time without input.')
        },
        Math.min(RECHECK_MS, app.config.terminalIdleMs),
      )
      function end(code: number, reason: string) {
        clearInterval(watch)
        if (socket.readyState === socket.OPEN) socket.close(code, closeReason(reason))
        session?.close(reason).catch((error) => app.logger.error({ err: error }, 'terminal close failed'))
      }
      const open = session
      open.output.on('data', (chunk: Buffer) => socket.send(chunk, { binary: true }))
      open.output.on('close', () => end(CLOSE.ended, 'The shell ended.'))
      open.output.on('error', () => end(CLOSE.ended, 'The engine ended the shell.'))
      open.output.resume()
      if (pageGone) end(CLOSE.ended, 'The page closed the terminal.')
      for (const message of early.splice(0)) apply(open, message)
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    // Not JSON: not a message of ours, dropped like any other malformed frame.
    return undefined
  }
}

import pino, { type Logger } from 'pino'

/**
 * Log lines never carry credentials or secret values: authorization headers, cookies and any
 * field that usually holds a secret are censored before pino writes the line.
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.value',
  '*.secret',
]

/** One-time link tokens travel in the URL path (/password-resets/:token, /invitations/:token); logged URLs hide them. */
export function redactUrl(url: string): string {
  return url.replace(/(\/(?:password-resets|invitations)\/)[^/?#]+/g, '$1[redacted]')
}

type LoggedRequest = { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    // Fastify's own request serializer, with the URL's link tokens hidden (it takes ours over its default).
    serializers: {
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
  }
  return destination ? pino(options, destination) : pino(options)
}

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

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } }
  return destination ? pino(options, destination) : pino(options)
}

/** An error a caller can act on: it carries an HTTP status, a stable machine-readable code and a human sentence. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = new.target.name
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(400, code, message, details)
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication is required: send a session cookie or an "Authorization: Bearer" token.') {
    super(401, 'unauthorized', message)
  }
}

export class ForbiddenError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(403, code, message, details)
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, details?: unknown) {
    super(404, 'not_found', message, details)
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(409, code, message, details)
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(422, code, message, details)
  }
}

export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'rate_limited', message, { retry_after_seconds: retryAfterSeconds })
  }
}

/** The Docker engine failed us (down, or refusing): a 502 naming what failed and the engine's first line, not a 500 of Berth's own. */
export class EngineError extends AppError {
  constructor(what: string, detail: string) {
    super(502, 'engine_error', `${what}: ${detail.trim().split('\n')[0] ?? ''}`)
  }
}

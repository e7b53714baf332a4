import { ROUTES, type RouteName } from './routes'

export type ApiIssue = { path: string; message: string; line?: number; column?: number }

/** An error answer of the API: `{ error: { code, message, details } }` with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: { issues?: ApiIssue[]; [key: string]: unknown },
  ) {
    super(message)
    this.name = 'ApiError'
  }

  get issues(): ApiIssue[] {
    return this.details?.issues ?? []
  }
}

type CallOptions = {
  params?: Record<string, string | number>
  query?: Record<string, string | number | undefined>
  body?: unknown
}

const unauthorizedListeners = new Set<() => void>()

/** Called when any request answers 401, so the app can show the login page. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener)
  return () => unauthorizedListeners.delete(listener)
}

function buildUrl(template: string, { params = {}, query = {} }: CallOptions): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`)
    return encodeURIComponent(String(value))
  })
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') search.set(key, String(value))
  const qs = search.toString()
  return qs ? `${path}?${qs}` : path
}

/** The address of a route, for what fetch does not serve (an EventSource). */
export function routeUrl(route: RouteName, options: Pick<CallOptions, 'params' | 'query'> = {}): string {
  return buildUrl(ROUTES[route][1], options)
}

/** Calls one API route with the session cookie; resolves to the parsed JSON (undefined for 204). */
export async function call<T>(route: RouteName, options: CallOptions = {}): Promise<T> {
  const [method, template] = ROUTES[route]
  const response = await fetch(buildUrl(template, options), {
    method,
    credentials: 'same-origin',
    headers:
      options.body === undefined
        ? { accept: 'application/json' }
        : { accept: 'application/json', 'content-type': 'application/json' },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  })
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let data: unknown
  try {
    data = text ? JSON.parse(text) : undefined
  } catch {
    throw new ApiError(
      response.status,
      'invalid_response',
      `The server answered ${response.status} with something that is not JSON.`,
    )
  }
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string; details?: ApiError['details'] } } | undefined)
      ?.error
    if (response.status === 401 && route !== 'login') for (const listener of unauthorizedListeners) listener()
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `The server answered ${response.status}.`,
      error?.details,
    )
  }
  return data as T
}

// Response and request shapes of the proxy routes (domains, routes, middlewares, preview, sync).

export type Domain = {
  id: string
  project_uuid: string
  domain: string
  subdomain: string | null
  full_domain: string
  tls: boolean
  cert_resolver: string | null
  active: boolean
  created_at: string
  updated_at: string
}
export type DomainInput = { domain: string; subdomain: string | null; tls: boolean; active: boolean }

export type RouteTarget = { service: string; compose_service: string; port: number } | { url: string }
export type ProxyRoute = {
  id: string
  domain_id: string
  target: RouteTarget
  path: string
  path_match: 'prefix' | 'exact'
  priority: number | null
  /** Middleware ids, in the order they apply. */
  middlewares: string[]
  active: boolean
}
export type RouteInput = {
  target: RouteTarget
  path: string
  path_match: 'prefix' | 'exact'
  middlewares: string[]
  active: boolean
}

export const MIDDLEWARE_TYPES = [
  'redirect-scheme',
  'redirect-regex',
  'basic-auth',
  'headers',
  'strip-prefix',
  'add-prefix',
  'rate-limit',
  'ip-allow-list',
  'compress',
] as const
export type MiddlewareType = (typeof MIDDLEWARE_TYPES)[number]
export type Middleware = {
  id: string
  project_uuid: string
  name: string
  type: MiddlewareType
  config: Record<string, unknown>
}
export type MiddlewareInput = { name: string; type: MiddlewareType; config: unknown }

/** One change as POST /proxy/preview takes it (the same shapes as the saving routes). */
export type PreviewChange =
  | { op: 'create_domain'; project: string; data: DomainInput }
  | { op: 'update_domain'; id: string; data: Partial<DomainInput> }
  | { op: 'create_route'; domain: string; data: RouteInput }
  | { op: 'update_route'; id: string; data: Partial<RouteInput> }
  | { op: 'create_middleware'; project: string; data: MiddlewareInput }

export type RenderIssue = { file: string; path: string; message: string }
export type PreviewFile = {
  path: string
  action: 'create' | 'update' | 'delete' | 'unchanged'
  content: string | null
  diff: string
}
export type Preview = { valid: boolean; issues: RenderIssue[]; files: PreviewFile[] }

export type SyncRun = {
  started_at: string
  duration_ms: number
  scope: 'full' | 'projects'
  files_written: string[]
  files_removed: string[]
  drift_repaired: string[]
  render_issues: RenderIssue[]
  error: string | null
}
export type ProxyStatus = {
  running: boolean
  last_run: SyncRun | null
  totals: { runs: number; files_written: number; files_removed: number; drift_repaired: number; failed_runs: number }
}

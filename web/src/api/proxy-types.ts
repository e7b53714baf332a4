// Shapes of the proxy routes (domains, routes, middlewares, preview, sync): responses from the
// server's OpenAPI document (openapi.gen.ts, written by `npm run gen:api`), and the request
// shapes the forms build.
import { type components, enums } from './openapi.gen'

type Schemas = components['schemas']

export type Domain = Schemas['Domain']
export type TlsMode = Domain['tls_mode']
export type DomainInput = { domain: string; subdomain: string | null; tls_mode: TlsMode; active: boolean }

export type RouteTarget = Schemas['RouteTarget']
export type ProxyRoute = Schemas['ProxyRoute']
export type RouteInput = {
  target: RouteTarget
  path: string
  path_match: 'prefix' | 'exact'
  middlewares: string[]
  active: boolean
}

/** The types the create form offers, in the server's order. */
export const MIDDLEWARE_TYPES = enums.MiddlewareType
export type Middleware = Schemas['Middleware']
export type MiddlewareType = Middleware['type']
export type MiddlewareInput = { name: string; type: MiddlewareType; config: unknown }

/** One change as POST /proxy/preview takes it (the same shapes as the saving routes). */
export type PreviewChange =
  | { op: 'create_domain'; project: string; data: DomainInput }
  | { op: 'update_domain'; id: string; data: Partial<DomainInput> }
  | { op: 'create_route'; domain: string; data: RouteInput }
  | { op: 'update_route'; id: string; data: Partial<RouteInput> }
  | { op: 'create_middleware'; project: string; data: MiddlewareInput }

export type RenderIssue = Schemas['RenderIssue']
export type PreviewFile = Schemas['PreviewFile']
export type Preview = Schemas['Preview']

export type SyncRun = Schemas['SyncRun']
export type ProxyStatus = Schemas['ProxyStatus']

/** The proxy container Berth runs on a server, as GET /servers/{uuid}/proxy sees it now. */
export type ServerProxyStatus = Schemas['ServerProxyStatus']
export type QueuedProxyDeployment = Schemas['QueuedProxyDeployment']

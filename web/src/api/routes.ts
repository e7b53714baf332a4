/**
 * Every API operation the UI calls, as [method, OpenAPI path template]. test/ui-api-client.test.ts
 * checks each one against the server's /api/v1/openapi.json, so a renamed route fails a test
 * instead of a page.
 */
export const ROUTES = {
  authStatus: ['GET', '/api/v1/auth/status'],
  login: ['POST', '/api/v1/auth/login'],
  logout: ['POST', '/api/v1/auth/logout'],
  me: ['GET', '/api/v1/me'],
  projects: ['GET', '/api/v1/projects'],
  createProject: ['POST', '/api/v1/projects'],
  project: ['GET', '/api/v1/projects/{uuid}'],
  createService: ['POST', '/api/v1/projects/{uuid}/services'],
  service: ['GET', '/api/v1/services/{uuid}'],
  compose: ['GET', '/api/v1/services/{uuid}/compose'],
  saveCompose: ['PUT', '/api/v1/services/{uuid}/compose'],
  versions: ['GET', '/api/v1/services/{uuid}/compose/versions'],
  version: ['GET', '/api/v1/services/{uuid}/compose/versions/{n}'],
  diff: ['GET', '/api/v1/services/{uuid}/compose/diff'],
  rollback: ['POST', '/api/v1/services/{uuid}/compose/rollback'],
  validateCompose: ['POST', '/api/v1/services/{uuid}/compose/validate'],
  parameters: ['GET', '/api/v1/services/{uuid}/parameters'],
  setParameters: ['PUT', '/api/v1/services/{uuid}/parameters'],
  env: ['GET', '/api/v1/services/{uuid}/env'],
  setEnv: ['PUT', '/api/v1/services/{uuid}/env'],
  deleteEnv: ['DELETE', '/api/v1/services/{uuid}/env/{key}'],
  audit: ['GET', '/api/v1/audit'],
  tokens: ['GET', '/api/v1/tokens'],
  createToken: ['POST', '/api/v1/tokens'],
  revokeToken: ['DELETE', '/api/v1/tokens/{id}'],
  domains: ['GET', '/api/v1/projects/{uuid}/domains'],
  proxyStatus: ['GET', '/api/v1/proxy/status'],
  proxyFiles: ['GET', '/api/v1/proxy/files'],
  proxyFileContent: ['GET', '/api/v1/proxy/files/content'],
  // deployments
  deploy: ['POST', '/api/v1/deploy'],
  deployments: ['GET', '/api/v1/deployments'],
  deployment: ['GET', '/api/v1/deployments/{uuid}'],
  cancelDeployment: ['POST', '/api/v1/deployments/{uuid}/cancel'],
  deploymentLogs: ['GET', '/api/v1/deployments/{uuid}/logs'],
  deploymentLogStream: ['GET', '/api/v1/deployments/{uuid}/logs/stream'],
  serviceDeployments: ['GET', '/api/v1/deployments/services/{uuid}'],
  stopService: ['POST', '/api/v1/services/{uuid}/stop'],
  restartService: ['POST', '/api/v1/services/{uuid}/restart'],
  serviceStatus: ['GET', '/api/v1/services/{uuid}/status'],
  teamEvents: ['GET', '/api/v1/events'],
} as const satisfies Record<string, readonly ['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', `/api/v1/${string}`]>

export type RouteName = keyof typeof ROUTES

/** Caddy's admin API, the only way Berth changes a running Caddy. */

const TIMEOUT_MS = 10_000

async function call(adminUrl: string, method: 'GET' | 'POST', path: string, body?: string): Promise<string> {
  const url = `${adminUrl.replace(/\/$/, '')}${path}`
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  }).catch((error: unknown) => {
    throw new Error(`Caddy's admin API at ${adminUrl} did not answer ${method} ${path}: ${(error as Error).message}`, {
      cause: error,
    })
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`Caddy refused ${method} ${path} with ${response.status}: ${text.slice(0, 500)}`)
  return text
}

/** Replaces Caddy's whole configuration; Caddy validates it first and keeps the old one if it is refused. */
export async function loadCaddyConfig(adminUrl: string, configJson: string): Promise<void> {
  await call(adminUrl, 'POST', '/load', configJson)
}

/** The configuration Caddy is running, to detect drift (someone changed it through the API). */
export async function readCaddyConfig(adminUrl: string): Promise<unknown> {
  const text = await call(adminUrl, 'GET', '/config/')
  return JSON.parse(text) as unknown
}

import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Received = {
  path: string
  headers: IncomingHttpHeaders
  body: any
  raw: string
  signatureOk: boolean | null
  /** When it arrived (ms since the epoch). */
  at: number
}

/**
 * A real HTTP receiver for notification tests: records every POST, checks `X-Berth-Signature`
 * (t=<ts>,v1=<HMAC-SHA256 of "<ts>.<body>">) against the secret a path was given, and answers
 * each request with the next status of its path's script (200 once the script is used up).
 */
export async function startReceiver() {
  const received: Received[] = []
  const secrets = new Map<string, string>()
  const scripts = new Map<string, number[]>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      const path = req.url ?? '/'
      const secret = secrets.get(path)
      received.push({
        path,
        headers: req.headers,
        body: JSON.parse(raw),
        raw,
        signatureOk: secret ? verify(secret, req.headers, raw) : null,
        at: Date.now(),
      })
      const status = scripts.get(path)?.shift() ?? 200
      res.writeHead(status, { 'content-type': 'text/plain' })
      res.end(status < 300 ? 'ok' : 'receiver says no')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    received,
    url: (path: string) => `${base}${path}`,
    /** Bodies to this path must carry a valid signature with this secret. */
    expectSecret: (path: string, secret: string) => void secrets.set(path, secret),
    /** The next answers to this path, e.g. [500, 500] then 200. */
    answer: (path: string, statuses: number[]) => void scripts.set(path, [...statuses]),
    to: (path: string) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export function verify(secret: string, headers: IncomingHttpHeaders, raw: string): boolean {
  const header = String(headers['x-berth-signature'] ?? '')
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header)
  if (!match) return false
  const [, ts, mac] = match
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false
  const expected = createHmac('sha256', secret).update(`${ts}.${raw}`).digest()
  return timingSafeEqual(expected, Buffer.from(mac!, 'hex'))
}

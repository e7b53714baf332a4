import { createHmac, timingSafeEqual } from 'node:crypto'

/** The Git hosts whose push webhooks Berth understands. */
export type GitProvider = 'github' | 'gitlab' | 'gitea' | 'bitbucket'

export type VerifiedPush =
  | { ok: true; provider: GitProvider; branch: string | null; commit: string | null }
  | { ok: false; reason: string }

type Headers = Record<string, string | string[] | undefined>

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

const hmacHex = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex')

/**
 * Checks a webhook against the service's secret, by the header its host signs with: GitHub and
 * Bitbucket `X-Hub-Signature(-256)` = "sha256=" + HMAC of the body, Gitea/Forgejo
 * `X-Gitea-Signature` = HMAC hex, GitLab `X-Gitlab-Token` = the secret itself. Then reads the
 * pushed branch and commit from the payload (each host names them alike: ref and after, or
 * Bitbucket's push.changes[].new).
 */
export function verifyPush(headers: Headers, rawBody: string, secret: string): VerifiedPush {
  const provider = providerOf(headers, rawBody, secret)
  if (!provider.ok) return provider
  let payload: unknown
  try {
    payload = JSON.parse(rawBody)
  } catch {
    return { ok: false, reason: 'the body is not JSON' }
  }
  return { ok: true, provider: provider.provider, ...pushedRef(payload) }
}

function providerOf(
  headers: Headers,
  rawBody: string,
  secret: string,
): { ok: true; provider: GitProvider } | { ok: false; reason: string } {
  const gitea = header(headers, 'x-gitea-signature') ?? header(headers, 'x-forgejo-signature')
  if (gitea !== undefined)
    return sameText(gitea, hmacHex(secret, rawBody)) ? { ok: true, provider: 'gitea' } : bad('X-Gitea-Signature')
  const hub = header(headers, 'x-hub-signature-256') ?? header(headers, 'x-hub-signature')
  if (hub !== undefined) {
    const provider = header(headers, 'x-event-key') !== undefined ? 'bitbucket' : 'github'
    return sameText(hub, `sha256=${hmacHex(secret, rawBody)}`) ? { ok: true, provider } : bad('X-Hub-Signature-256')
  }
  const gitlab = header(headers, 'x-gitlab-token')
  if (gitlab !== undefined) return sameText(gitlab, secret) ? { ok: true, provider: 'gitlab' } : bad('X-Gitlab-Token')
  return { ok: false, reason: 'no signature header (X-Hub-Signature-256, X-Gitlab-Token or X-Gitea-Signature)' }
}

const bad = (name: string) => ({ ok: false as const, reason: `the ${name} header does not match the secret` })

function pushedRef(payload: unknown): { branch: string | null; commit: string | null } {
  const p = payload as {
    ref?: unknown
    after?: unknown
    push?: { changes?: { new?: { type?: string; name?: string; target?: { hash?: string } } }[] }
  }
  if (typeof p.ref === 'string') {
    const branch = p.ref.startsWith('refs/heads/') ? p.ref.slice('refs/heads/'.length) : null
    return { branch, commit: typeof p.after === 'string' ? p.after : null }
  }
  const change = p.push?.changes?.[0]?.new
  if (change?.type === 'branch' && change.name) return { branch: change.name, commit: change.target?.hash ?? null }
  return { branch: null, commit: null }
}

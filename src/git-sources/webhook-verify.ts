import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** The Git hosts whose push webhooks Berth understands. */
export type GitProvider = 'github' | 'gitlab' | 'gitea' | 'bitbucket'

/** What a pull/merge request event means for its preview. */
export type PullRequestEvent = {
  kind: 'pull_request'
  action: 'open' | 'update' | 'close'
  number: number
  /** The request's source branch and head commit, and the branch it targets. */
  branch: string
  commit: string | null
  base: string
  /**
   * A request from a fork: the fork's clone URL as the host names it (the branch lives there, not
   * in the service's repository); null for a request between branches of the same repository.
   */
  fork: string | null
}

export type WebhookEvent =
  | { kind: 'push'; branch: string | null; commit: string | null }
  | PullRequestEvent
  /** An event Berth does not act on (a comment, a label, a review...), named for the answer. */
  | { kind: 'ignored'; what: string }

export type VerifiedWebhook = { ok: true; provider: GitProvider; event: WebhookEvent } | { ok: false; reason: string }

/** What Git hosts sign webhooks with: 192 random bits, URL-safe so it pastes into any host's form. */
export const newWebhookSecret = () => randomBytes(24).toString('base64url')

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
 * event: a pull/merge request (see pullRequestOf), or a push with its branch and commit (each host
 * names them alike: ref and after, or Bitbucket's push.changes[].new).
 */
export function verifyWebhook(headers: Headers, rawBody: string, secret: string): VerifiedWebhook {
  const provider = providerOf(headers, rawBody, secret)
  if (!provider.ok) return provider
  let payload: unknown
  try {
    payload = JSON.parse(rawBody)
  } catch {
    return { ok: false, reason: 'the body is not JSON' }
  }
  const name =
    header(headers, 'x-gitea-event') ??
    header(headers, 'x-forgejo-event') ??
    header(headers, 'x-github-event') ??
    header(headers, 'x-gitlab-event') ??
    header(headers, 'x-event-key') ??
    ''
  const pullRequest = pullRequestOf(name, payload)
  if (pullRequest) return { ok: true, provider: provider.provider, event: pullRequest }
  if (PUSH_EVENTS.has(name) || name === '')
    return { ok: true, provider: provider.provider, event: { kind: 'push', ...pushedRef(payload) } }
  return { ok: true, provider: provider.provider, event: { kind: 'ignored', what: name } }
}

// The event names of pushes (a host that names none is read as a push, as before).
const PUSH_EVENTS = new Set(['push', 'Push Hook', 'repo:push'])

// Each host's words for a request opened, given new commits, or closed (merged or not).
const ACTIONS: Record<string, PullRequestEvent['action']> = {
  opened: 'open',
  reopened: 'open',
  open: 'open',
  reopen: 'open',
  created: 'open',
  synchronize: 'update',
  synchronized: 'update',
  update: 'update',
  updated: 'update',
  closed: 'close',
  close: 'close',
  merge: 'close',
  fulfilled: 'close',
  rejected: 'close',
}

type PullRequestPayload = {
  action?: string
  number?: number
  pull_request?: {
    number?: number
    head?: { ref?: string; sha?: string; repo?: { full_name?: string; clone_url?: string } | null }
    base?: { ref?: string; repo?: { full_name?: string } }
  }
  object_kind?: string
  object_attributes?: {
    iid?: number
    action?: string
    source_branch?: string
    target_branch?: string
    last_commit?: { id?: string }
    source_project_id?: number
    target_project_id?: number
    source?: { git_http_url?: string }
  }
  pullrequest?: {
    id?: number
    source?: { branch?: { name?: string }; commit?: { hash?: string }; repository?: BitbucketRepository }
    destination?: { branch?: { name?: string }; repository?: BitbucketRepository }
  }
}

type BitbucketRepository = { full_name?: string; links?: { html?: { href?: string } } }

/** The fork's clone URL when a request's source repository is not its target's (null when the same). */
function forkOf(
  source: string | number | undefined,
  target: string | number | undefined,
  cloneUrl: string | undefined,
): string | null {
  if (source === undefined || target === undefined || source === target) return null
  // A fork the payload gives no clone URL for cannot be fetched: '' fails the URL check downstream.
  return cloneUrl ?? ''
}

/**
 * A pull/merge request event as GitHub and Gitea (`pull_request`), GitLab (`Merge Request Hook`)
 * and Bitbucket (`pullrequest:*`) send it; null for any other event. An action that changes no
 * code (labelled, edited, approved) is not one of these.
 */
function pullRequestOf(name: string, payload: unknown): WebhookEvent | null {
  const p = payload as PullRequestPayload
  const read = (action: string | undefined, fields: Omit<PullRequestEvent, 'kind' | 'action'>) => {
    const mapped = ACTIONS[action ?? '']
    if (!mapped) return { kind: 'ignored' as const, what: `${name} ${action ?? ''}`.trim() }
    if (!Number.isInteger(fields.number) || !fields.branch || !fields.base)
      return { kind: 'ignored' as const, what: `${name} without a number or branches` }
    return { kind: 'pull_request' as const, action: mapped, ...fields }
  }
  if (name === 'pull_request' && p.pull_request)
    return read(p.action, {
      number: p.number ?? p.pull_request.number ?? Number.NaN,
      branch: p.pull_request.head?.ref ?? '',
      commit: p.pull_request.head?.sha ?? null,
      base: p.pull_request.base?.ref ?? '',
      fork: forkOf(
        p.pull_request.head?.repo?.full_name,
        p.pull_request.base?.repo?.full_name,
        p.pull_request.head?.repo?.clone_url,
      ),
    })
  if ((name === 'Merge Request Hook' || p.object_kind === 'merge_request') && p.object_attributes)
    return read(p.object_attributes.action, {
      number: p.object_attributes.iid ?? Number.NaN,
      branch: p.object_attributes.source_branch ?? '',
      commit: p.object_attributes.last_commit?.id ?? null,
      base: p.object_attributes.target_branch ?? '',
      fork: forkOf(
        p.object_attributes.source_project_id,
        p.object_attributes.target_project_id,
        p.object_attributes.source?.git_http_url,
      ),
    })
  if (name.startsWith('pullrequest:') && p.pullrequest)
    return read(name.slice('pullrequest:'.length), {
      number: p.pullrequest.id ?? Number.NaN,
      branch: p.pullrequest.source?.branch?.name ?? '',
      // Bitbucket names an abbreviated hash, which a fetch cannot ask for: the branch is fetched instead.
      commit: null,
      base: p.pullrequest.destination?.branch?.name ?? '',
      // Bitbucket names no clone URL: a repository's is its web address with .git.
      fork: forkOf(
        p.pullrequest.source?.repository?.full_name,
        p.pullrequest.destination?.repository?.full_name,
        p.pullrequest.source?.repository?.links?.html?.href?.replace(/\/?$/, '.git'),
      ),
    })
  return null
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

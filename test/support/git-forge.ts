// A FAKE of a Git host's webhook sender (no Gitea, Forgejo or Bitbucket can run here): it turns a
// push the local Git server really received (its post-receive record) into the request that host
// sends, with the host's event headers, payload shape and signature.
import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'

export type PushRecord = { before: string; after: string; ref: string }
export type ForgeRequest = { headers: Record<string, string>; body: string }

/** Delivers a host's request to a service's webhook URL on a test app's server. */
export function deliver(server: FastifyInstance, serviceId: string, request: ForgeRequest) {
  return server.inject({
    method: 'POST',
    url: `/api/v1/webhooks/git/${serviceId}`,
    headers: { 'content-type': 'application/json', ...request.headers },
    payload: request.body,
  })
}

const hmacHex = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex')

/** Gitea/Forgejo: a `push` event signed with X-Gitea-Signature (bare HMAC-SHA256 hex of the body). */
export function giteaPush(push: PushRecord, repo: string, secret: string): ForgeRequest {
  const body = JSON.stringify({
    ref: push.ref,
    before: push.before,
    after: push.after,
    compare_url: '',
    commits: [{ id: push.after, message: 'pushed\n' }],
    repository: { full_name: `berth/${repo}`, default_branch: 'main' },
    pusher: { login: 'ada' },
  })
  return {
    headers: {
      'x-gitea-event': 'push',
      'x-gitea-delivery': crypto.randomUUID(),
      'x-gitea-signature': hmacHex(secret, body),
    },
    body,
  }
}

/** Bitbucket: a `repo:push` event signed with X-Hub-Signature ("sha256=" + HMAC hex), its change under push.changes. */
export function bitbucketPush(push: PushRecord, repo: string, secret: string): ForgeRequest {
  const branch = push.ref.replace(/^refs\/heads\//, '')
  const body = JSON.stringify({
    push: {
      changes: [
        {
          old: { type: 'branch', name: branch, target: { hash: push.before } },
          new: { type: 'branch', name: branch, target: { hash: push.after } },
        },
      ],
    },
    repository: { full_name: `berth/${repo}` },
    actor: { display_name: 'Ada Tester' },
  })
  return {
    headers: {
      'x-event-key': 'repo:push',
      'x-request-uuid': crypto.randomUUID(),
      'x-hub-signature': `sha256=${hmacHex(secret, body)}`,
    },
    body,
  }
}

/** A repository as Bitbucket names it in payloads: its full name and web address (its clone URL + `.git`). */
export type BitbucketRepository = { fullName: string; webUrl: string }

/**
 * Bitbucket: a `pullrequest:created` event, signed like its pushes; a `source` repository other
 * than the `destination` one is a request from a fork.
 */
export function bitbucketPullRequest(
  request: { id: number; branch: string; source: BitbucketRepository; destination: BitbucketRepository },
  secret: string,
): ForgeRequest {
  const repository = (r: BitbucketRepository) => ({ full_name: r.fullName, links: { html: { href: r.webUrl } } })
  const body = JSON.stringify({
    pullrequest: {
      id: request.id,
      source: { branch: { name: request.branch }, repository: repository(request.source) },
      destination: { branch: { name: 'main' }, repository: repository(request.destination) },
    },
  })
  return {
    headers: {
      'x-event-key': 'pullrequest:created',
      'x-request-uuid': crypto.randomUUID(),
      'x-hub-signature': `sha256=${hmacHex(secret, body)}`,
    },
    body,
  }
}

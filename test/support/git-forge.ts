// A FAKE of a Git host's webhook sender (no Gitea, Forgejo or Bitbucket can run here): it turns a
// push the local Git server really received (its post-receive record) into the request that host
// sends, with the host's event headers, payload shape and signature.
import { createHmac } from 'node:crypto'

export type PushRecord = { before: string; after: string; ref: string }
export type ForgeRequest = { headers: Record<string, string>; body: string }

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

import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import { verifyWebhook } from './webhook-verify.js'

const SECRET = 'hook-secret-1'
const hmac = (body: string, key = SECRET) => createHmac('sha256', key).update(body).digest('hex')
const push = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) })

describe('verifyWebhook', () => {
  it('accepts a GitHub push signed with the secret and reads branch and commit', () => {
    assert.deepEqual(verifyWebhook({ 'x-hub-signature-256': `sha256=${hmac(push)}` }, push, SECRET), {
      ok: true,
      provider: 'github',
      event: { kind: 'push', branch: 'main', commit: 'a'.repeat(40) },
    })
  })

  it('refuses a GitHub signature made with another secret, or over other bytes', () => {
    assert.equal(verifyWebhook({ 'x-hub-signature-256': `sha256=${hmac(push, 'other')}` }, push, SECRET).ok, false)
    assert.equal(verifyWebhook({ 'x-hub-signature-256': `sha256=${hmac(push)}` }, `${push} `, SECRET).ok, false)
  })

  it('accepts GitLab by its token header and Gitea by its bare HMAC, and refuses wrong ones', () => {
    assert.equal(verifyWebhook({ 'x-gitlab-token': SECRET }, push, SECRET).ok, true)
    assert.equal(verifyWebhook({ 'x-gitlab-token': 'nope' }, push, SECRET).ok, false)
    assert.equal(verifyWebhook({ 'x-gitea-signature': hmac(push) }, push, SECRET).ok, true)
    assert.equal(verifyWebhook({ 'x-gitea-signature': `sha256=${hmac(push)}` }, push, SECRET).ok, false)
  })

  it("reads a Bitbucket push's branch and commit from push.changes", () => {
    const body = JSON.stringify({
      push: { changes: [{ new: { type: 'branch', name: 'dev', target: { hash: 'b'.repeat(40) } } }] },
    })
    const result = verifyWebhook(
      { 'x-event-key': 'repo:push', 'x-hub-signature': `sha256=${hmac(body)}` },
      body,
      SECRET,
    )
    assert.deepEqual(result, {
      ok: true,
      provider: 'bitbucket',
      event: { kind: 'push', branch: 'dev', commit: 'b'.repeat(40) },
    })
  })

  it('refuses a request with no signature header at all', () => {
    const result = verifyWebhook({}, push, SECRET)
    assert.equal(result.ok, false)
    assert.match(!result.ok ? result.reason : '', /no signature header/)
  })

  it('reads a tag push as no branch (so it deploys nothing)', () => {
    const body = JSON.stringify({ ref: 'refs/tags/v1', after: 'c'.repeat(40) })
    const result = verifyWebhook({ 'x-gitlab-token': SECRET }, body, SECRET)
    assert.deepEqual(result, {
      ok: true,
      provider: 'gitlab',
      event: { kind: 'push', branch: null, commit: 'c'.repeat(40) },
    })
  })

  it('reads pull/merge request events of GitHub, Gitea, GitLab and Bitbucket as open, update or close', () => {
    const sha = 'd'.repeat(40)
    const github = {
      action: 'synchronize',
      number: 7,
      pull_request: { head: { ref: 'feat', sha }, base: { ref: 'main' } },
    }
    const gitlab = {
      object_kind: 'merge_request',
      object_attributes: {
        iid: 3,
        action: 'merge',
        source_branch: 'fix',
        target_branch: 'main',
        last_commit: { id: sha },
      },
    }
    const bitbucket = {
      pullrequest: {
        id: 9,
        source: { branch: { name: 'b' }, commit: { hash: 'abc123' } },
        destination: { branch: { name: 'main' } },
      },
    }
    const event = (headers: Record<string, string>, body: object) => {
      const raw = JSON.stringify(body)
      const result = verifyWebhook({ ...headers, 'x-hub-signature-256': `sha256=${hmac(raw)}` }, raw, SECRET)
      return result.ok ? result.event : result
    }
    assert.deepEqual(event({ 'x-github-event': 'pull_request' }, github), {
      kind: 'pull_request',
      action: 'update',
      number: 7,
      branch: 'feat',
      commit: sha,
      base: 'main',
      fork: null,
    })
    assert.equal((event({ 'x-gitea-event': 'pull_request' }, { ...github, action: 'opened' }) as any).action, 'open')
    const raw = JSON.stringify(gitlab)
    const merged = verifyWebhook({ 'x-gitlab-token': SECRET, 'x-gitlab-event': 'Merge Request Hook' }, raw, SECRET)
    assert.deepEqual(merged.ok && merged.event, {
      kind: 'pull_request',
      action: 'close',
      number: 3,
      branch: 'fix',
      commit: sha,
      base: 'main',
      fork: null,
    })
    assert.deepEqual(event({ 'x-event-key': 'pullrequest:created' }, bitbucket), {
      kind: 'pull_request',
      action: 'open',
      number: 9,
      branch: 'b',
      commit: null,
      base: 'main',
      fork: null,
    })
    assert.deepEqual(event({ 'x-github-event': 'pull_request' }, { ...github, action: 'labeled' }), {
      kind: 'ignored',
      what: 'pull_request labeled',
    })
    assert.deepEqual(event({ 'x-github-event': 'issues' }, { action: 'opened' }), { kind: 'ignored', what: 'issues' })
  })
  it("reads a request from a fork with the fork's clone URL, on each host", () => {
    const signed = (headers: Record<string, string>, body: object) => {
      const raw = JSON.stringify(body)
      const result = verifyWebhook({ ...headers, 'x-hub-signature-256': `sha256=${hmac(raw)}` }, raw, SECRET)
      return result.ok && result.event.kind === 'pull_request' ? result.event.fork : result
    }
    const github = (head: string) => ({
      action: 'opened',
      number: 4,
      pull_request: {
        head: {
          ref: 'main',
          sha: 'e'.repeat(40),
          repo: { full_name: head, clone_url: `https://github.com/${head}.git` },
        },
        base: { ref: 'main', repo: { full_name: 'acme/shop' } },
      },
    })
    assert.equal(
      signed({ 'x-github-event': 'pull_request' }, github('mallory/shop')),
      'https://github.com/mallory/shop.git',
    )
    assert.equal(
      signed({ 'x-github-event': 'pull_request' }, github('acme/shop')),
      null,
      'a branch of the same repository',
    )
    const bitbucket = (source: string) => ({
      pullrequest: {
        id: 2,
        source: {
          branch: { name: 'fix' },
          repository: { full_name: source, links: { html: { href: `https://bitbucket.org/${source}` } } },
        },
        destination: { branch: { name: 'main' }, repository: { full_name: 'acme/shop' } },
      },
    })
    assert.equal(
      signed({ 'x-event-key': 'pullrequest:updated' }, bitbucket('eve/shop')),
      'https://bitbucket.org/eve/shop.git',
    )
    assert.equal(signed({ 'x-event-key': 'pullrequest:updated' }, bitbucket('acme/shop')), null)
    const gitlab = JSON.stringify({
      object_kind: 'merge_request',
      object_attributes: {
        iid: 5,
        action: 'open',
        source_branch: 'fix',
        target_branch: 'main',
        source_project_id: 11,
        target_project_id: 10,
        source: { git_http_url: 'https://gitlab.example.com/eve/shop.git' },
      },
    })
    const fromFork = verifyWebhook({ 'x-gitlab-token': SECRET }, gitlab, SECRET)
    assert.equal(
      fromFork.ok && fromFork.event.kind === 'pull_request' && fromFork.event.fork,
      'https://gitlab.example.com/eve/shop.git',
    )
  })
})

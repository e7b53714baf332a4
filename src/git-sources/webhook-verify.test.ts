import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import { verifyPush } from './webhook-verify.js'

const SECRET = 'hook-secret-1'
const hmac = (body: string, key = SECRET) => createHmac('sha256', key).update(body).digest('hex')
const push = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) })

describe('verifyPush', () => {
  it('accepts a GitHub push signed with the secret and reads branch and commit', () => {
    assert.deepEqual(verifyPush({ 'x-hub-signature-256': `sha256=${hmac(push)}` }, push, SECRET), {
      ok: true,
      provider: 'github',
      branch: 'main',
      commit: 'a'.repeat(40),
    })
  })

  it('refuses a GitHub signature made with another secret, or over other bytes', () => {
    assert.equal(verifyPush({ 'x-hub-signature-256': `sha256=${hmac(push, 'other')}` }, push, SECRET).ok, false)
    assert.equal(verifyPush({ 'x-hub-signature-256': `sha256=${hmac(push)}` }, `${push} `, SECRET).ok, false)
  })

  it('accepts GitLab by its token header and Gitea by its bare HMAC, and refuses wrong ones', () => {
    assert.equal(verifyPush({ 'x-gitlab-token': SECRET }, push, SECRET).ok, true)
    assert.equal(verifyPush({ 'x-gitlab-token': 'nope' }, push, SECRET).ok, false)
    assert.equal(verifyPush({ 'x-gitea-signature': hmac(push) }, push, SECRET).ok, true)
    assert.equal(verifyPush({ 'x-gitea-signature': `sha256=${hmac(push)}` }, push, SECRET).ok, false)
  })

  it("reads a Bitbucket push's branch and commit from push.changes", () => {
    const body = JSON.stringify({
      push: { changes: [{ new: { type: 'branch', name: 'dev', target: { hash: 'b'.repeat(40) } } }] },
    })
    const result = verifyPush({ 'x-event-key': 'repo:push', 'x-hub-signature': `sha256=${hmac(body)}` }, body, SECRET)
    assert.deepEqual(result, { ok: true, provider: 'bitbucket', branch: 'dev', commit: 'b'.repeat(40) })
  })

  it('refuses a request with no signature header at all', () => {
    const result = verifyPush({}, push, SECRET)
    assert.equal(result.ok, false)
    assert.match(!result.ok ? result.reason : '', /no signature header/)
  })

  it('reads a tag push as no branch (so it deploys nothing)', () => {
    const body = JSON.stringify({ ref: 'refs/tags/v1', after: 'c'.repeat(40) })
    const result = verifyPush({ 'x-gitlab-token': SECRET }, body, SECRET)
    assert.deepEqual(result, { ok: true, provider: 'gitlab', branch: null, commit: 'c'.repeat(40) })
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loginSecrets, renderDockerConfig } from './docker-config.js'

describe('renderDockerConfig', () => {
  it('writes one base64 user:password per registry, Docker Hub under its index URL, sorted by host', () => {
    const config = JSON.parse(
      renderDockerConfig([
        { host: 'registry.example.com:5000', username: 'ci', password: 'p@ss:word' },
        { host: 'docker.io', username: 'hub', password: 'tok' },
      ]),
    )
    assert.deepEqual(Object.keys(config.auths), ['https://index.docker.io/v1/', 'registry.example.com:5000'])
    assert.equal(Buffer.from(config.auths['registry.example.com:5000'].auth, 'base64').toString(), 'ci:p@ss:word')
  })

  it('lists the password and its base64 form as secrets to redact', () => {
    const secrets = loginSecrets([{ host: 'r.example', username: 'u', password: 'pw' }])
    assert.deepEqual(secrets, ['pw', Buffer.from('u:pw').toString('base64')])
  })
})

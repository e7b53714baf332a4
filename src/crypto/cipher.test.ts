import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { createSecretCipher } from './cipher.js'

describe('secret cipher', () => {
  it('round-trips a value and never stores the plaintext', () => {
    const cipher = createSecretCipher(randomBytes(32))
    const stored = cipher.encrypt('hunter2-password')
    assert.ok(!stored.includes('hunter2'))
    assert.equal(cipher.decrypt(stored), 'hunter2-password')
  })

  it('gives different ciphertexts for the same value', () => {
    const cipher = createSecretCipher(randomBytes(32))
    assert.notEqual(cipher.encrypt('same'), cipher.encrypt('same'))
  })

  it('refuses to decrypt with another key, saying why without the value', () => {
    const stored = createSecretCipher(randomBytes(32)).encrypt('top-secret')
    assert.throws(() => createSecretCipher(randomBytes(32)).decrypt(stored), /app key differs/)
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fullDomainOf, normalizeHost } from './hostnames.js'

describe('normalizeHost', () => {
  it('lower-cases, drops a trailing dot and converts IDN to punycode', () => {
    assert.deepEqual(normalizeHost('App.Example.COM.'), { ok: true, host: 'app.example.com' })
    assert.deepEqual(normalizeHost('bücher.example'), { ok: true, host: 'xn--bcher-kva.example' })
    assert.deepEqual(normalizeHost('*.Bücher.example'), { ok: true, host: '*.xn--bcher-kva.example' })
  })

  it('accepts a one-level wildcard and refuses any other use of "*"', () => {
    assert.equal(normalizeHost('*.example.com').ok, true)
    for (const bad of ['*.*.example.com', 'a.*.example.com', '*example.com', '*.com', '*'])
      assert.equal(normalizeHost(bad).ok, false, bad)
  })

  it('refuses labels that break RFC 1123, IP addresses and overlong names', () => {
    for (const bad of [
      '-a.example.com',
      'a-.example.com',
      'a_b.example.com',
      'a..b',
      `${'a'.repeat(64)}.com`,
      '10.0.0.1',
      '[::1]',
      'example.123',
      'a b.com',
      `${'a.'.repeat(127)}com`,
    ]) {
      assert.equal(normalizeHost(bad).ok, false, bad)
    }
  })

  it('joins subdomain and domain', () => {
    assert.equal(fullDomainOf('example.com', 'app'), 'app.example.com')
    assert.equal(fullDomainOf('example.com', null), 'example.com')
  })
})

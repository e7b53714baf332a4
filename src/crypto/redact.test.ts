import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createRedactor, REDACTED } from './redact.js'

describe('redactor', () => {
  it('removes every occurrence of each secret, longest first', () => {
    const redact = createRedactor(['s3cr3t-pass', 's3cr3t-pass-extended', 'tok.en+1'])
    assert.equal(
      redact('a=s3cr3t-pass-extended b=s3cr3t-pass c=tok.en+1 d=s3cr3t-pass'),
      'a=<REDACTED> b=<REDACTED> c=<REDACTED> d=<REDACTED>',
    )
  })

  it('leaves text alone when there is nothing to hide', () => {
    assert.equal(createRedactor([])('plain line'), 'plain line')
  })

  it('hides the URL-encoded and base64 forms of a secret', () => {
    const secret = 'p@ss word/+=?x'
    const redact = createRedactor([secret])
    assert.equal(redact(`u=${encodeURIComponent(secret)}`), `u=${REDACTED}`)
    assert.equal(redact(`b=${Buffer.from(secret).toString('base64')}`), `b=${REDACTED}`)
    assert.equal(redact(`b=${Buffer.from(secret).toString('base64url')}`), `b=${REDACTED}`)
  })

  it('hides passwords inside URLs even when they are not known secrets', () => {
    const redact = createRedactor([])
    assert.equal(
      redact('postgres://app:hunter22@db:5432/app and https://x.org/a@b'),
      `postgres://app:${REDACTED}@db:5432/app and https://x.org/a@b`,
    )
  })

  it('handles a secret at the very end and overlapping candidates', () => {
    const redact = createRedactor(['abcdef', 'abcdXY'])
    assert.equal(redact('xxabcdef'), `xx${REDACTED}`)
    assert.equal(redact('abcdXYabcdef!'), `${REDACTED}${REDACTED}!`)
    assert.equal(redact('abcd'), 'abcd')
  })

  // How fast with many secrets: bench/hostile-input.bench.ts.
  it('redacts one secret among 500 in a build line', () => {
    const secrets = Array.from({ length: 500 }, (_, i) => `secret-${i}-${Math.random().toString(36).slice(2)}`)
    const redact = createRedactor(secrets)
    const line = `#5 [web 2/4] RUN npm ci --omit=dev && echo ${secrets[250]} done in 1.2s, pulling layer sha256:0123456789abcdef`
    assert.equal(redact(line), line.replace(secrets[250]!, REDACTED))
  })

  it('finds exactly what a naive leftmost-longest search finds, on random text and secrets of mixed lengths', () => {
    let seed = 7
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const word = (length: number) => Array.from({ length }, () => 'abcx'[random(4)]).join('')
    for (let round = 0; round < 300; round++) {
      const secrets = Array.from({ length: 1 + random(4) }, () => word(4 + random(6)))
      const text = Array.from({ length: 6 }, () =>
        random(2) ? secrets[random(secrets.length)] : word(random(9)),
      ).join('')
      const forms = [...new Set(secrets)].sort((a, b) => b.length - a.length)
      let expected = ''
      for (let i = 0; i < text.length; ) {
        const hit = forms.find((f) => text.startsWith(f, i))
        expected += hit ? REDACTED : text[i]
        i += hit ? hit.length : 1
      }
      // Over this alphabet a secret's URL-encoded form is itself and its base64 forms (starting with "Y") never occur.
      assert.equal(createRedactor(secrets)(text), expected, `${JSON.stringify(secrets)} in ${text}`)
    }
  })
})

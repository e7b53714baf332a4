import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createRedactor } from './redact.js'

describe('redactor', () => {
  it('removes every occurrence of each secret, longest first', () => {
    const redact = createRedactor(['s3cr3t-pass', 's3cr3t-pass-extended', 'tok.en+1'])
    assert.equal(redact('a=s3cr3t-pass-extended b=s3cr3t-pass c=tok.en+1 d=s3cr3t-pass'), 'a=[redacted] b=[redacted] c=[redacted] d=[redacted]')
  })

  it('leaves text alone when there is nothing to hide', () => {
    assert.equal(createRedactor([])('plain line'), 'plain line')
  })
})

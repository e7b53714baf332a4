import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { artifactKeyFrom, decryptStream, encryptStream } from './artifact-crypto.js'
import { readAll } from './streams.js'

const key = artifactKeyFrom(randomBytes(32))
const through = (data: Buffer, ...steps: NodeJS.ReadWriteStream[]) =>
  readAll(steps.reduce<NodeJS.ReadableStream>((s, step) => s.pipe(step), Readable.from(chunks(data))) as Readable)
// Odd chunk sizes, so headers and tags straddle chunk boundaries.
function* chunks(data: Buffer) {
  for (let at = 0; at < data.length; at += 7) yield data.subarray(at, at + 7)
}

describe('artifact encryption', () => {
  it('round-trips any size, and the stored bytes do not contain the plaintext', async () => {
    for (const size of [0, 1, 16, 1000, 70_000]) {
      const plain = Buffer.concat([Buffer.from('CREATE TABLE secret_rows'), randomBytes(size)])
      const sealed = await through(plain, encryptStream(key))
      assert.ok(!sealed.includes(Buffer.from('secret_rows')))
      assert.deepEqual(await through(sealed, decryptStream(key)), plain)
    }
  })

  it('refuses a changed byte, a truncated artifact and another key', async () => {
    const sealed = await through(Buffer.from('rows'.repeat(100)), encryptStream(key))
    const flipped = Buffer.from(sealed)
    flipped[30] = flipped[30]! ^ 1
    await assert.rejects(through(flipped, decryptStream(key)), /integrity/)
    await assert.rejects(through(sealed.subarray(0, sealed.length - 3), decryptStream(key)), /integrity|truncated/)
    await assert.rejects(through(sealed, decryptStream(artifactKeyFrom(randomBytes(32)))), /integrity/)
  })
})

import { createHash } from 'node:crypto'
import { type Readable, Transform } from 'node:stream'

/** Reads a (small) stream whole: destination checks only, never a dump. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks)
}

/** A pass-through that counts bytes and hashes them (sha256) on the way. */
export function measuring() {
  const hash = createHash('sha256')
  let size = 0
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      size += chunk.length
      done(null, chunk)
    },
  })
  let digest: string | undefined
  return {
    stream,
    size: () => size,
    /** The hex digest; only once the stream has ended. */
    sha256: () => (digest ??= hash.digest('hex')),
  }
}

/** Hashes a whole stream without keeping it: the read-back verification. */
export async function sha256Of(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of stream) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  return { sha256: hash.digest('hex'), size }
}

import { createCipheriv, createDecipheriv, type DecipherGCM, hkdfSync, randomBytes } from 'node:crypto'
import { Transform } from 'node:stream'

// An encrypted artifact: MAGIC, a 96-bit nonce, the AES-256-GCM ciphertext, then its 128-bit tag.
// The tag comes last so both directions stream; decryption holds back the last 16 bytes.
const MAGIC = Buffer.from('BERTHDB1')
const NONCE = 12
const TAG = 16

/** The artifact key: HKDF-SHA256 of the app key, so the storage provider cannot read a backup. */
export function artifactKeyFrom(appKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', appKey, Buffer.alloc(0), 'berth database backup artifacts v1', 32))
}

export function encryptStream(key: Buffer): Transform {
  const nonce = randomBytes(NONCE)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  let started = false
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const out = cipher.update(chunk)
      if (!started) {
        started = true
        done(null, Buffer.concat([MAGIC, nonce, out]))
      } else done(null, out)
    },
    flush(done) {
      const last = cipher.final()
      done(null, Buffer.concat([started ? Buffer.alloc(0) : Buffer.concat([MAGIC, nonce]), last, cipher.getAuthTag()]))
    },
  })
}

/**
 * Decrypts an artifact written by encryptStream. A wrong key or a changed byte fails at the end
 * (GCM checks the tag last): callers verify the artifact's checksum before restoring from it.
 */
export function decryptStream(key: Buffer): Transform {
  let header = Buffer.alloc(0)
  let decipher: DecipherGCM | undefined
  let held = Buffer.alloc(0)
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!decipher) {
        header = Buffer.concat([header, chunk])
        if (header.length < MAGIC.length + NONCE) return done()
        if (!header.subarray(0, MAGIC.length).equals(MAGIC))
          return done(new Error('the artifact is not an encrypted Berth backup'))
        decipher = createDecipheriv('aes-256-gcm', key, header.subarray(MAGIC.length, MAGIC.length + NONCE))
        chunk = header.subarray(MAGIC.length + NONCE)
      }
      held = Buffer.concat([held, chunk])
      if (held.length <= TAG) return done()
      const body = held.subarray(0, held.length - TAG)
      held = Buffer.from(held.subarray(held.length - TAG))
      done(null, decipher.update(body))
    },
    flush(done) {
      if (!decipher || held.length !== TAG) return done(new Error('the encrypted artifact is truncated'))
      decipher.setAuthTag(held)
      try {
        done(null, decipher.final())
      } catch {
        done(new Error('the encrypted artifact failed its integrity check (wrong app key or altered bytes)'))
      }
    },
  })
}

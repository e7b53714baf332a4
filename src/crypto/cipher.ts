import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const PREFIX = 'enc:v1:'

export type SecretCipher = {
  encrypt(plaintext: string): string
  decrypt(stored: string): string
}

/** AES-256-GCM with a random 96-bit nonce per value; the stored form is "enc:v1:" + base64(nonce|tag|ciphertext). */
export function createSecretCipher(key: Buffer): SecretCipher {
  return {
    encrypt(plaintext) {
      const nonce = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, nonce)
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return PREFIX + Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64')
    },
    decrypt(stored) {
      if (!stored.startsWith(PREFIX)) throw new Error('Stored secret is not in the enc:v1 format')
      const raw = Buffer.from(stored.slice(PREFIX.length), 'base64')
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
      decipher.setAuthTag(raw.subarray(12, 28))
      try {
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
      } catch (error) {
        // The usual cause is a different BERTH_APP_KEY than the one the value was written with.
        throw new Error(
          'A stored secret could not be decrypted: the app key differs from the one it was encrypted with',
          {
            cause: error,
          },
        )
      }
    },
  }
}

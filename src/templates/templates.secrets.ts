import { randomBytes, randomInt, randomUUID } from 'node:crypto'
import type { SecretGenerator } from './templates.manifest.js'

// Letters and digits only: a generated password is safe in URLs, .env files, shell words and YAML.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A fresh secret value from the manifest's generator. */
export function generateSecret(generator: SecretGenerator): string {
  switch (generator.kind) {
    case 'password':
      return Array.from({ length: generator.length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')
    case 'hex':
      return randomBytes(generator.bytes).toString('hex')
    case 'base64':
      return randomBytes(generator.bytes).toString('base64')
    case 'uuid':
      return randomUUID()
  }
}

import { randomBytes, randomInt, randomUUID } from 'node:crypto'
import { MASK } from '../env/env.service.js'
import type { SecretGenerator, Template } from './templates.manifest.js'

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

/** The secrets a template declares, freshly generated, as secret env changes. */
export function generatedSecrets(template: Template, skip: Set<string> = new Set()) {
  return Object.fromEntries(
    template.secrets
      .filter((s) => !skip.has(s.env))
      .map((s) => [s.env, { value: generateSecret(s.generate), secret: true }]),
  )
}

/** Secrets for a response: their values once to a caller who may read sensitive data, masked otherwise. */
export function shownSecrets(secrets: Record<string, { value: string }>, reveal: boolean) {
  return Object.entries(secrets).map(([key, s]) => ({ key, value: reveal ? s.value : MASK, masked: !reveal }))
}

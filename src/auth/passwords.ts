import argon2 from 'argon2'

export const MIN_PASSWORD_LENGTH = 8

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id })
}

export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return argon2.verify(hash, password)
}

// Verifying against a real hash when the user does not exist keeps response times alike,
// so timing does not tell an attacker which e-mail addresses have accounts.
let decoyHash: Promise<string> | undefined
export async function verifyDecoy(password: string): Promise<void> {
  decoyHash ??= hashPassword('decoy-password-for-timing')
  await argon2.verify(await decoyHash, password)
}

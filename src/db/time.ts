import { randomUUID } from 'node:crypto'

/** The one timestamp format stored everywhere (see schema.ts). */
export function nowIso(): string {
  return new Date().toISOString()
}

export function newId(): string {
  return randomUUID()
}

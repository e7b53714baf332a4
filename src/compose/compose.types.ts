import { z } from 'zod'
import { timestamp } from '../http/responses.js'
import type { Document, LineCounter } from 'yaml'

/**
 * One problem found in a Compose file or template. `path` points into the document
 * (`services.web.ports[0]`, "" for the file as a whole); `message` is the sentence without
 * the path, so callers can print `${path}: ${message}`.
 */
export type ComposeIssue = { path: string; message: string; line?: number; column?: number }

/** A parsed Compose file, kept so that issues can point at 1-based source lines. */
export type ComposeDocument = { yaml: Document.Parsed; lineCounter: LineCounter }

/** A step into a parsed value: a mapping key or a list index. */
export type PathSegment = string | number

/** What parsing or validating a Compose file gives: the value and its document, or every issue. */
export type ParseComposeResult =
  | { ok: true; value: unknown; document: ComposeDocument }
  | { ok: false; issues: ComposeIssue[] }

/** Response shapes shared by the compose and parameters routes. */
export const composeIssueSchema = z
  .object({
    path: z.string(),
    message: z.string(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
  })
  .meta({ id: 'ComposeIssue', description: 'One problem in a compose file; `path` points into the document' })
export const parameterSchema = z
  .object({ name: z.string(), type: z.enum(['string', 'integer', 'boolean', 'json']), value: z.unknown() })
  .meta({ id: 'Parameter' })
export const savedVersionSchema = z
  .object({ version: z.number().int(), sha256: z.string(), created_at: timestamp })
  .meta({ id: 'SavedVersion', description: 'The compose version a change wrote' })

import type { ComposeIssue } from './compose.types.js'

export type ParameterType = 'string' | 'integer' | 'boolean' | 'json'
export type Parameter = { name: string; type: ParameterType; value: string | number | boolean | unknown }

/** The JS value each parameter type holds. */
export type ParameterValue = { string: string; integer: number; boolean: boolean; json: unknown }

export type ParseParameterResult<T extends ParameterType> =
  | { ok: true; value: ParameterValue[T] }
  | { ok: false; message: string }

export const PARAMETER_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/

/**
 * `{{berth.NAME}}`, spaces allowed inside the braces. The `berth.` prefix keeps it apart from
 * Compose's `${VAR}` and from Go templates (`{{ .Name }}`) that labels pass on to other tools.
 * The name part is matched loosely, up to the closing braces on the same line, so that a
 * misspelt name is reported rather than silently left in the file.
 */
const PLACEHOLDER = /\{\{[ \t]*berth\.([^{}\r\n]*?)[ \t]*\}\}/g
const MAX_JSON_DEPTH = 64

/** Checks a raw value (as it came in an API body) against a parameter type. */
export function parseParameterValue<T extends ParameterType>(type: T, raw: unknown): ParseParameterResult<T> {
  const ok = (value: unknown) => ({ ok: true, value }) as ParseParameterResult<T>
  switch (type) {
    case 'string':
      if (typeof raw !== 'string') return { ok: false, message: `expected a string, got ${kindOf(raw)}` }
      // Substitution is textual: a line break would shift the lines of every issue after it,
      // and could inject YAML keys of its own. NEL, LS and PS count: Compose's YAML parser (Go)
      // breaks lines at them, so "x\u2028  evil:" would add a service Berth's own parser never saw.
      if (/[\r\n\u0085\u2028\u2029]/.test(raw))
        return { ok: false, message: 'a string parameter must be a single line' }
      return ok(raw)
    case 'integer':
      if (typeof raw === 'number' && Number.isSafeInteger(raw)) return ok(raw)
      return {
        ok: false,
        message: `expected a whole number from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}, got ${kindOf(raw)}`,
      }
    case 'boolean':
      if (typeof raw === 'boolean') return ok(raw)
      return { ok: false, message: `expected true or false, got ${kindOf(raw)}` }
    case 'json':
      if (isJsonValue(raw, 0, new Set())) return ok(raw)
      return {
        ok: false,
        message: 'expected a JSON value: null, a boolean, a finite number, a string, an array or a plain object',
      }
    default:
      return { ok: false, message: `unknown parameter type ${JSON.stringify(type)}` }
  }
}

/**
 * For a YAML edit of a template: each placeholder swapped for a plain word YAML keeps as it is
 * (one at the start of a plain scalar, `replicas: {{berth.count}}`, would otherwise parse as a flow
 * mapping and be written back as one), and the function that puts them back in the edited text.
 */
export function shieldPlaceholders(template: string): { text: string; restore(edited: string): string } {
  const nonce = Math.random().toString(36).slice(2, 10)
  const originals: string[] = []
  const text = template.replace(PLACEHOLDER, (match) => `berthparam${nonce}x${originals.push(match) - 1}x`)
  const token = new RegExp(`berthparam${nonce}x(\\d+)x`, 'g')
  return { text, restore: (edited) => edited.replace(token, (_, i: string) => originals[Number(i)]!) }
}

/** Every well-formed `{{berth.NAME}}` in the template, in order, with its 1-based line. */
export function findParameterReferences(template: string): { name: string; line: number }[] {
  return scanPlaceholders(template)
    .filter((match) => PARAMETER_NAME_PATTERN.test(match.name))
    .map(({ name, line }) => ({ name, line }))
}

/**
 * Replaces each `{{berth.NAME}}` with its parameter's text: strings as they are, integers and
 * booleans as written in YAML, JSON on one line. Nothing else in the template changes, so line
 * numbers in the result match the template. Substituted text is not scanned again.
 */
export function renderComposeTemplate(
  template: string,
  params: Parameter[],
): { ok: true; text: string } | { ok: false; issues: ComposeIssue[] } {
  const issues: ComposeIssue[] = []
  const byName = new Map<string, Parameter>()
  for (const param of params) {
    if (byName.has(param.name))
      issues.push({ path: '', message: `parameter "${param.name}" is defined more than once` })
    byName.set(param.name, param)
  }
  const texts = new Map<string, string | undefined>()
  let text = ''
  let copied = 0
  for (const match of scanPlaceholders(template)) {
    text += template.slice(copied, match.index)
    copied = match.index + match.length
    const param = byName.get(match.name)
    if (!PARAMETER_NAME_PATTERN.test(match.name)) {
      const message = `invalid parameter name ${JSON.stringify(match.name)}: use lowercase letters, digits and "_", starting with a letter`
      issues.push({ path: '', message, line: match.line })
    } else if (!param) {
      issues.push({ path: '', message: `unknown parameter ${JSON.stringify(match.name)}`, line: match.line })
    } else {
      if (!texts.has(param.name)) texts.set(param.name, parameterText(param, match.line, issues))
      text += texts.get(param.name) ?? ''
    }
  }
  text += template.slice(copied)
  return issues.length > 0 ? { ok: false, issues } : { ok: true, text }
}

/** The text a parameter renders as; reports (once, at its first use) a value that does not fit its type. */
function parameterText(param: Parameter, line: number, issues: ComposeIssue[]): string | undefined {
  const parsed = parseParameterValue(param.type, param.value)
  if (!parsed.ok) {
    issues.push({ path: '', message: `parameter ${JSON.stringify(param.name)}: ${parsed.message}`, line })
    return undefined
  }
  // JSON.stringify without indentation never emits a line break; a string's own breaks are escaped.
  return param.type === 'json' ? JSON.stringify(parsed.value) : String(parsed.value)
}

type PlaceholderMatch = { name: string; line: number; index: number; length: number }

function scanPlaceholders(template: string): PlaceholderMatch[] {
  const matches: PlaceholderMatch[] = []
  let line = 1
  let counted = 0
  for (const match of template.matchAll(PLACEHOLDER)) {
    const index = match.index ?? 0
    for (let i = counted; i < index; i += 1) if (template.charCodeAt(i) === 10) line += 1
    counted = index
    matches.push({ name: match[1] ?? '', line, index, length: match[0].length })
  }
  return matches
}

function isJsonValue(value: unknown, depth: number, ancestors: Set<object>): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (typeof value !== 'object' || depth > MAX_JSON_DEPTH || ancestors.has(value)) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return false
  ancestors.add(value)
  const children: unknown[] = Array.isArray(value) ? value : Object.values(value)
  const valid = children.every((child) => isJsonValue(child, depth + 1, ancestors))
  ancestors.delete(value)
  return valid
}

function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  // Values are not echoed back: they end up in logs and audit entries.
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'number') {
    return Number.isSafeInteger(value)
      ? 'a number'
      : Number.isInteger(value)
        ? 'a number too large to be exact'
        : 'a fractional number'
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/**
 * A small YAML emitter for the data the renderers produce (maps, lists, strings, numbers,
 * booleans), with map keys sorted, so the same data always gives the same bytes. The general
 * `yaml` library took ~3 ms per project file, which made a full sync of 1,000 projects miss its
 * 1 s budget; this one is a straight walk. Strings are written plain only when they match a
 * conservative pattern, otherwise double-quoted with JSON escapes (valid YAML double-quoted form).
 */

type Value = string | number | boolean | null | undefined | Value[] | { [key: string]: Value }

const PLAIN = /^[A-Za-z/][A-Za-z0-9_./:@-]*$/
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i

/** JSON leaves NEL, LS and PS raw; Go's YAML parser (Traefik) breaks lines there, even inside quotes. */
const GO_LINE_BREAKS = /[\u0085\u2028\u2029]/g

function quoted(value: string): string {
  return JSON.stringify(value).replace(GO_LINE_BREAKS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

function scalar(value: Value): string {
  if (typeof value === 'string')
    return PLAIN.test(value) && !RESERVED.test(value) && !value.includes(': ') ? value : quoted(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write the number ${value} as YAML`)
    return String(value)
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return 'null'
}

function key(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k) && !RESERVED.test(k) ? k : quoted(k)
}

function isMap(v: Value): v is { [key: string]: Value } {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function emit(value: Value, pad: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isMap(item) && Object.keys(item).length > 0) {
        const nested: string[] = []
        emit(item, `${pad}  `, nested)
        out.push(`${pad}- ${nested[0]!.slice(pad.length + 2)}`, ...nested.slice(1))
      } else if (Array.isArray(item) && item.length > 0) {
        out.push(`${pad}-`)
        emit(item, `${pad}  `, out)
      } else {
        out.push(`${pad}- ${Array.isArray(item) ? '[]' : isMap(item) ? '{}' : scalar(item)}`)
      }
    }
    return
  }
  if (isMap(value)) {
    for (const k of Object.keys(value).sort()) {
      const v = value[k]
      if (v === undefined) continue
      if ((Array.isArray(v) && v.length > 0) || (isMap(v) && Object.keys(v).length > 0)) {
        out.push(`${pad}${key(k)}:`)
        emit(v, Array.isArray(v) ? `${pad}  ` : `${pad}  `, out)
      } else {
        out.push(`${pad}${key(k)}: ${Array.isArray(v) ? '[]' : isMap(v) ? '{}' : scalar(v)}`)
      }
    }
    return
  }
  out.push(`${pad}${scalar(value)}`)
}

/** The document as YAML text with sorted keys, ending in a newline. */
export function stableYaml(doc: unknown): string {
  const out: string[] = []
  emit(doc as Value, '', out)
  return `${out.join('\n')}\n`
}

import type { FastifySerializerCompiler } from 'fastify'
import { $ZodType, safeEncode } from 'zod/v4/core'

/** Turns a handler's answer into what its response schema describes, or throws naming where it does not fit. */
export type Projection = (value: unknown, path: string) => unknown

export class ProjectionError extends Error {}

const fail = (path: string, expected: string): never => {
  throw new ProjectionError(`${path} is not ${expected}`)
}

type Def = {
  type: string
  innerType?: $ZodType
  element?: $ZodType
  shape?: Record<string, $ZodType>
  catchall?: $ZodType
  entries?: Record<string, unknown>
  values?: unknown[]
  format?: string
}

const defOf = (schema: $ZodType) => schema._zod.def as unknown as Def

/** Zod itself, for a part of a schema this module does not compile (unions, records, transforms, ...). */
function byZod(schema: $ZodType): Projection {
  return (value, path) => {
    const result = safeEncode(schema, value)
    if (!result.success) throw new ProjectionError(`${path}: ${result.error.issues[0]?.message ?? 'invalid'}`)
    return result.data
  }
}

function objectProjection(shape: Record<string, $ZodType>): Projection {
  const fields = Object.entries(shape).map(([key, schema]) => ({
    key,
    project: compileProjection(schema),
    // Zod's own flag: an optional (or undefined-accepting) field may be missing from the answer.
    mayBeMissing: schema._zod.optout === 'optional',
  }))
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(path, 'an object')
    const source = value as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (const field of fields) {
      const item = source[field.key]
      if (item === undefined && field.mayBeMissing) continue
      out[field.key] = field.project(item, `${path}.${field.key}`)
    }
    return out
  }
}

/**
 * Compiles a response schema into a function that keeps only what the schema declares (as zod's
 * encoding does: an undeclared key, say a column a handler read by accident, never leaves Berth)
 * and checks each value's JSON type, without zod's per-value work: objects, arrays, primitives,
 * enums and literals, optional and nullable are compiled; anything else is handed to zod. String
 * formats and number ranges are not checked here; the test harness's strict serializer runs zod in
 * full and checks that this projection gives the same JSON (response-check.ts).
 */
export function compileProjection(schema: $ZodType): Projection {
  const def = defOf(schema)
  switch (def.type) {
    case 'string':
      return (value, path) => (typeof value === 'string' ? value : fail(path, 'a string'))
    case 'boolean':
      return (value, path) => (typeof value === 'boolean' ? value : fail(path, 'a boolean'))
    case 'number': {
      const integer = def.format !== undefined && def.format !== 'float32' && def.format !== 'float64'
      return (value, path) =>
        typeof value === 'number' && (integer ? Number.isInteger(value) : Number.isFinite(value))
          ? value
          : fail(path, integer ? 'an integer' : 'a number')
    }
    case 'null':
      return (value, path) => (value === null ? value : fail(path, 'null'))
    case 'undefined':
      return (value, path) => (value === undefined ? value : fail(path, 'absent'))
    case 'unknown':
    case 'any':
      return (value) => value
    case 'enum':
    case 'literal': {
      const allowed = new Set(def.type === 'enum' ? Object.values(def.entries!) : def.values)
      return (value, path) => (allowed.has(value) ? value : fail(path, `one of ${[...allowed].join(', ')}`))
    }
    case 'optional':
    case 'nullable': {
      // The one value the wrapper adds, passed as it is; anything else is the inner type's.
      const empty = def.type === 'optional' ? undefined : null
      const inner = compileProjection(def.innerType!)
      return (value, path) => (value === empty ? value : inner(value, path))
    }
    case 'array': {
      const element = compileProjection(def.element!)
      return (value, path) => {
        if (!Array.isArray(value)) return fail(path, 'an array')
        const out = new Array(value.length)
        for (let i = 0; i < value.length; i++) out[i] = element(value[i], `${path}[${i}]`)
        return out
      }
    }
    case 'object':
      // A catchall (a loose or strict object) keeps or refuses undeclared keys: zod knows how.
      return def.catchall ? byZod(schema) : objectProjection(def.shape!)
    default:
      return byZod(schema)
  }
}

/** The schema Fastify hands a serializer compiler: a zod type, or one wrapped as `{ properties }`. */
export function responseSchema(schema: unknown): $ZodType {
  if (schema instanceof $ZodType) return schema
  const wrapped = (schema as { properties?: unknown } | null)?.properties
  if (wrapped instanceof $ZodType) return wrapped
  throw new Error(`A response schema is not a zod schema: ${JSON.stringify(schema)}`)
}

/** Production's response serializer: the compiled projection, then JSON. */
export const projectingSerializerCompiler: FastifySerializerCompiler<unknown> = (route) => {
  const project = compileProjection(responseSchema(route.schema))
  return (data) => JSON.stringify(project(data, 'body'))
}

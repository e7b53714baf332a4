import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely'
import type { DB } from './schema.js'

const sentinel = (slot: number) => `\u0000berth-slot-${slot}\u0000`
const SENTINEL_PATTERN = /^\u0000berth-slot-(\d+)\u0000$/

type Template<R> = { compiled: CompiledQuery<R>; slots: (number | { constant: unknown })[] }

/**
 * A query built and compiled once per dialect, then run with new arguments. Building and
 * compiling a Kysely query costs more than SQLite takes to run a small one, so the hot paths
 * (current-compose reads, versioned writes) use this. `build` must pass each argument straight
 * into the query as a value (no arithmetic or string building on it): the first call builds it
 * with placeholders and records where each one lands among the SQL parameters.
 */
export function preparedQuery<Args extends unknown[], R>(build: (db: Kysely<DB>, ...args: Args) => Compilable<R>) {
  // Keyed by the dialect adapter's class: a transaction shares its database's dialect and SQL.
  const templates = new Map<unknown, Template<R>>()

  function template(db: Kysely<DB>, argCount: number): Template<R> {
    const key = db.getExecutor().adapter.constructor
    let found = templates.get(key)
    if (!found) {
      const placeholders = Array.from({ length: argCount }, (_, i) => sentinel(i)) as Args
      const compiled = build(db, ...placeholders).compile()
      const slots = compiled.parameters.map((p) => {
        const match = typeof p === 'string' ? SENTINEL_PATTERN.exec(p) : null
        if (typeof p === 'string' && !match && p.includes('\u0000berth-slot-'))
          throw new Error(`preparedQuery: an argument was transformed, not passed as a value, in: ${compiled.sql}`)
        return match ? Number(match[1]) : { constant: p }
      })
      found = { compiled, slots }
      templates.set(key, found)
    }
    return found
  }

  return async function run(db: Kysely<DB>, ...args: Args): Promise<QueryResult<R>> {
    const { compiled, slots } = template(db, args.length)
    const parameters = slots.map((slot) => (typeof slot === 'number' ? args[slot] : slot.constant))
    return db.executeQuery<R>({ ...compiled, parameters })
  }
}

// "One home per table": scans src/ (not tests) for the tables each file touches through Kysely
// (selectFrom, insertInto, updateTable, deleteFrom, joins) and raw `sql` text, and fails when a
// file uses a table its capability folder does not own (TABLE_OWNERS in src/db/schema.ts).
// Another capability's table is reached by calling its owner's repo or service.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { describe, it } from 'node:test'
import { TABLE_OWNERS } from '../src/db/schema.js'

type Table = keyof typeof TABLE_OWNERS
type Access = 'read' | 'write'
type Use = { file: string; folder: string; table: string; access: Access; how: string }

const SRC = new URL('../src/', import.meta.url).pathname

/** Files that legitimately touch every table, with the reason. Paths relative to src/. */
const EXEMPT: { path: string; reason: string }[] = [
  { path: 'db/migrations/', reason: 'the schema history creates and alters every table' },
  { path: 'db/copy.ts', reason: 'copies the whole database between SQLite and PostgreSQL, table by table' },
  { path: 'db/snapshot.ts', reason: 'backs up the whole SQLite database file' },
]

/**
 * Read-only joins across capabilities, kept because one query is measurably cheaper than calling
 * the owner on a hot path, or because two tables describe one thing. Writes are never allowed.
 */
const ALLOWED_READS: { folder: string; table: Table; reason: string }[] = [
  {
    folder: 'compose',
    table: 'services',
    reason:
      'findCurrentVersion (compose.repo.ts) follows services.current_version to the version row in one prepared query: the hot read path of bench/compose.bench.ts',
  },
  {
    folder: 'compose',
    table: 'projects',
    reason: 'the same query scopes the service to the caller team through its project',
  },
  {
    folder: 'services',
    table: 'projects',
    reason:
      'team scoping: a service belongs to a team through its project (findTeamService, findTeamResource, findOwningTeam); every service request runs it',
  },
  {
    folder: 'services',
    table: 'databases',
    reason:
      'a database is a services row plus a databases row: findTeamResource (left join) and listPlainInProject (NOT EXISTS) tell the two apart in the same query',
  },
  {
    folder: 'proxy',
    table: 'projects',
    reason:
      'the proxy renders and lists files per project (names, team scoping of domains, routes and middlewares) in the queries that load the routing',
  },
]

const WRITE_CALLS = ['insertInto', 'updateTable', 'deleteFrom', 'replaceInto', 'mergeInto']
const READ_CALLS = ['selectFrom', 'innerJoin', 'leftJoin', 'rightJoin', 'fullJoin', 'crossJoin']
const CALL = new RegExp(`(?<![\\w$])(${[...WRITE_CALLS, ...READ_CALLS].join('|')})\\(\\s*`, 'g')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : []
  })
}

/** Every table use in one file's text; `file` is relative to src/. */
function tableUses(file: string, text: string): Use[] {
  const folder = file.includes('/') ? file.split('/')[0]! : ''
  const uses: Use[] = []
  const add = (table: string, access: Access, how: string) => uses.push({ file, folder, table, access, how })
  for (const match of text.matchAll(CALL)) {
    const call = match[1]!
    const access: Access = WRITE_CALLS.includes(call) ? 'write' : 'read'
    const rest = text.slice(match.index + match[0].length)
    const literal = /^(['"`])([^'"`]+)\1/.exec(rest)
    if (literal) {
      add(literal[2]!.split(/\s+as\s+/)[0]!.trim(), access, call)
      continue
    }
    // A table name the scanner cannot read would hide a use: name tables literally outside the exemptions.
    const list = /^\[([^\]]*)\]/.exec(rest)
    if (list)
      for (const name of list[1]!.matchAll(/(['"`])([^'"`]+)\1/g)) add(name[2]!.split(/\s+as\s+/)[0]!, access, call)
    else add(`<computed: ${rest.slice(0, 30).split('\n')[0]}>`, access, call)
  }
  // Raw SQL: the words after from/join/into/update that are table names.
  for (const match of text.matchAll(/(?<![\w$])sql(?:<[^`]*?>)?`([^`]*)`/g)) {
    const body = match[1]!
    for (const m of body.matchAll(/(?<!delete\s+)\b(from|join)\s+"?([a-z_]+)"?/gi))
      if (m[2]! in TABLE_OWNERS) add(m[2]!, 'read', 'sql')
    for (const m of body.matchAll(/\b(?:insert\s+into|update|delete\s+from)\s+"?([a-z_]+)"?/gi))
      if (m[1]! in TABLE_OWNERS) add(m[1]!, 'write', 'sql')
  }
  return uses
}

function scan(): Use[] {
  return sourceFiles(SRC)
    .map((path) => relative(SRC, path).split(sep).join('/'))
    .filter((file) => !EXEMPT.some((e) => file.startsWith(e.path)))
    .flatMap((file) => tableUses(file, readFileSync(join(SRC, file), 'utf8')))
}

function isAllowed(use: Use): boolean {
  if (TABLE_OWNERS[use.table as Table] === use.folder) return true
  return use.access === 'read' && ALLOWED_READS.some((a) => a.folder === use.folder && a.table === use.table)
}

describe('one home per table', () => {
  const uses = scan()

  it('finds the tables files use (the scanner itself works)', () => {
    const has = (file: string, table: string, access: Access) =>
      uses.some((u) => u.file === file && u.table === table && u.access === access)
    assert.ok(has('deployments/deployments.repo.ts', 'deployment_logs', 'write'), 'Kysely calls are scanned')
    assert.ok(has('deployments/retention.ts', 'deployments', 'read'), 'raw sql text is scanned')
    assert.ok(has('services/services.repo.ts', 'projects', 'read'), 'joins are scanned')
    const sample = tableUses(
      'x/y.ts',
      "db.updateTable('services as s'); trx.selectFrom(['a', 'b']); sql`delete from deployments`; q.leftJoin(name, 'x')",
    )
    assert.deepEqual(
      sample.map((u) => `${u.access} ${u.table}`),
      ['write services', 'read a', 'read b', "read <computed: name, 'x')>", 'write deployments'],
    )
  })

  it('names only known tables, literally', () => {
    const unknown = uses.filter((u) => !(u.table in TABLE_OWNERS)).map((u) => `${u.file}: ${u.how}(${u.table})`)
    assert.deepEqual(unknown, [], 'a new table needs an entry in TABLE_OWNERS (src/db/schema.ts)')
  })

  it("touches a table only from its owner's folder (or an allowed read-only join)", () => {
    const offenders = uses
      .filter((u) => u.table in TABLE_OWNERS && !isAllowed(u))
      .map((u) => `${u.file}: ${u.how}('${u.table}') belongs to src/${TABLE_OWNERS[u.table as Table]}/`)
    assert.deepEqual([...new Set(offenders)], [])
  })

  it('keeps no stale allow-list entry, and every owner is a folder of src/', () => {
    const stale = ALLOWED_READS.filter((a) => !uses.some((u) => u.folder === a.folder && u.table === a.table))
    assert.deepEqual(stale, [])
    for (const folder of new Set(Object.values(TABLE_OWNERS)))
      assert.ok(statSync(join(SRC, folder)).isDirectory(), `src/${folder}/ exists`)
  })

  it('has an owner for every table the migrations create', () => {
    const migrations = sourceFiles(join(SRC, 'db/migrations')).map((path) => readFileSync(path, 'utf8'))
    const names = (pattern: RegExp) => migrations.flatMap((text) => [...text.matchAll(pattern)].map((m) => m[1]!))
    // A table built under a temporary name and renamed into place (SQLite's way to change a key) is not a new table.
    const renamed = new Set(names(/alterTable\(\s*'([a-z_]+)'\s*\)\s*\.renameTo\(/g))
    const created = names(/createTable\(\s*'([a-z_]+)'/g)
      .filter((table) => !renamed.has(table))
      .sort()
    assert.deepEqual(created, Object.keys(TABLE_OWNERS).sort())
  })
})

import { Transform } from 'node:stream'
import type { ExecCommand } from './engines.js'

/**
 * PostgreSQL's globals (roles and their memberships) beside a database's dump: `pg_dumpall
 * --globals-only` as a second artifact of the run, applied with psql before the dump is restored
 * (the dump's grants name those roles). Tablespaces are left out: Berth's database containers
 * have none, and creating one needs a directory the target server may not have.
 */
export type GlobalsCommands = { dump: ExecCommand; restore: ExecCommand }

// Role passwords are in pg_authid, which only a superuser reads: a role that cannot read it gets
// the roles without their passwords (existing roles keep theirs on restore), and the log says so.
const DUMP = `set -u
if ! pg_dumpall --globals-only --no-tablespaces --no-password -U "$1" -l "$2" 2>/dev/null; then
  echo "role passwords left out: $1 cannot read them" >&2
  echo "-- role passwords left out"
  exec pg_dumpall --globals-only --no-tablespaces --no-role-passwords --no-password -U "$1" -l "$2"
fi`

export function pgGlobalsCommands(user: string, database: string, password: string): GlobalsCommands {
  const env = { PGPASSWORD: password }
  return {
    dump: { argv: ['sh', '-c', DUMP, 'sh', user, database], env },
    // Stops at the first error: a role that cannot be made would fail the dump's grants anyway.
    restore: { argv: ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', user, '-d', database, '--no-password'], env },
  }
}

/** An identifier as pg_dumpall writes it: bare when it can be, else double-quoted. */
function quoted(name: string): string[] {
  return [name, `"${name.replace(/"/g, '""')}"`]
}

/**
 * One line of a globals dump as it is applied to a server that may already have the roles: a
 * CREATE ROLE that finds its role is skipped, and the connecting role (Berth's own credentials
 * for this database, which may differ from the backed-up server's) is not altered.
 */
export function globalsLineForRestore(line: string, ownRole: string): string | null {
  const own = quoted(ownRole)
  const create = /^CREATE ROLE (.+);$/.exec(line)
  if (create) {
    if (own.includes(create[1]!)) return null
    return `DO $berth$ BEGIN ${line} EXCEPTION WHEN duplicate_object THEN NULL; END $berth$;`
  }
  if (own.some((name) => line.startsWith(`ALTER ROLE ${name} `))) return null
  return line
}

/** The line rewrite of globalsLineForRestore as a stream (the dump is text, one statement a line). */
export function globalsForRestore(ownRole: string): Transform {
  let rest = ''
  const out = (lines: string[]) =>
    lines.flatMap((l) => {
      const kept = globalsLineForRestore(l, ownRole)
      return kept === null ? [] : [`${kept}\n`]
    })
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const lines = (rest + chunk.toString('utf8')).split('\n')
      rest = lines.pop()!
      done(null, out(lines).join(''))
    },
    flush(done) {
      done(null, out(rest === '' ? [] : [rest]).join(''))
    },
  })
}

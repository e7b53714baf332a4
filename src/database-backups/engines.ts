import type { DatabaseType } from '../db/schema.js'
import { clickhouseCommands } from './clickhouse.js'
import { type GlobalsCommands, pgGlobalsCommands } from './pg-globals.js'

/**
 * A command run inside the database's container with `docker exec`. Credentials are in `env`:
 * the CLI gets them in its own environment and passes them with `-e NAME` (no value), so they
 * never appear on a command line a process listing or a log shows.
 */
export type ExecCommand = { argv: string[]; env: Record<string, string> }

export type EngineCommands = {
  /** Writes the dump to stdout. */
  dump: ExecCommand
  /** Reads a dump on stdin and loads it over the existing data. */
  restore: ExecCommand
  /** The artifact's file extension. */
  extension: string
  /** Redis-like engines restart to load a snapshot: the restore ends with the server shutting down. */
  restartsAfterRestore: boolean
  /** PostgreSQL: the server's roles, a second artifact applied before the dump. */
  globals?: GlobalsCommands
}

export type EngineCredentials = { user: string; password: string; rootPassword: string; database: string }

// A BGSAVE snapshot: wait for any running save, start one, wait until it has finished and
// succeeded, then copy the file. LASTSAVE has one-second resolution, so the script waits one
// second first to be sure the save it sees finishing is its own.
const REDIS_DUMP = (cli: string) => `set -eu
c() { ${cli} --no-auth-warning "$@"; }
info() { c INFO persistence | tr -d '\\r' | sed -n "s/^$1://p"; }
while [ "$(info rdb_bgsave_in_progress)" = 1 ]; do sleep 0.2; done
before="$(c LASTSAVE)"
sleep 1
c BGSAVE >/dev/null
while [ "$(c LASTSAVE)" = "$before" ] || [ "$(info rdb_bgsave_in_progress)" = 1 ]; do sleep 0.2; done
[ "$(info rdb_last_bgsave_status)" = ok ] || { echo "BGSAVE failed" >&2; exit 1; }
dir="$(c CONFIG GET dir | tail -n 1)"
file="$(c CONFIG GET dbfilename | tail -n 1)"
cat "$dir/$file"`

// Loads a snapshot: the server must not save over it, so saving and AOF are switched off; the
// snapshot becomes the data file and, when AOF is on, the base of a fresh append-only file (Redis 7
// loads only the AOF when it is on). The script then prints RESTORE_LOADED and shuts the server down
// without saving (which ends this exec too); the container's restart policy starts it again.
export const RESTORE_LOADED = 'berth-restore-loaded'
const REDIS_RESTORE = (cli: string) => `set -eu
c() { ${cli} --no-auth-warning "$@"; }
get() { c CONFIG GET "$1" | tail -n 1; }
dir="$(get dir)"; file="$(get dbfilename)"; aofon="$(get appendonly)"
aofdir="$dir/$(get appenddirname)"; aofname="$(get appendfilename)"
cat > "$dir/$file.berth-restore"
[ -s "$dir/$file.berth-restore" ] || { echo "the snapshot is empty" >&2; exit 1; }
c CONFIG SET save "" >/dev/null
c CONFIG SET appendonly no >/dev/null
if [ "$aofon" = yes ]; then
  rm -rf "$aofdir"; mkdir -p "$aofdir"
  cp "$dir/$file.berth-restore" "$aofdir/$aofname.1.base.rdb"
  : > "$aofdir/$aofname.1.incr.aof"
  printf 'file %s seq 1 type b\nfile %s seq 1 type i\n' "$aofname.1.base.rdb" "$aofname.1.incr.aof" > "$aofdir/$aofname.manifest"
fi
mv "$dir/$file.berth-restore" "$dir/$file"
echo ${RESTORE_LOADED}
c SHUTDOWN NOSAVE >/dev/null 2>&1 || true`

function redisLike(cli: string, password: string): EngineCommands {
  const env = { REDISCLI_AUTH: password }
  return {
    dump: { argv: ['sh', '-c', REDIS_DUMP(cli)], env },
    restore: { argv: ['sh', '-c', REDIS_RESTORE(cli)], env },
    extension: 'rdb',
    restartsAfterRestore: true,
  }
}

function mysqlLike(dump: string, client: string, c: EngineCredentials): EngineCommands {
  const env = { MYSQL_PWD: c.rootPassword }
  return {
    dump: {
      argv: [dump, '--single-transaction', '--routines', '--triggers', '--events', '-u', 'root', c.database],
      env,
    },
    restore: { argv: [client, '-u', 'root', c.database], env },
    extension: 'sql',
    restartsAfterRestore: false,
  }
}

/** The dump and restore commands of an engine, or a sentence saying why it has none. */
export function engineCommands(type: DatabaseType, c: EngineCredentials): EngineCommands | string {
  switch (type) {
    case 'postgresql': {
      const env = { PGPASSWORD: c.password }
      const target = ['-U', c.user, '-d', c.database, '--no-password']
      return {
        dump: { argv: ['pg_dump', '-Fc', ...target], env },
        // One transaction: a restore that fails part-way leaves the database as it was.
        restore: {
          argv: [
            'pg_restore',
            '--clean',
            '--if-exists',
            '--no-owner',
            '--single-transaction',
            '--exit-on-error',
            ...target,
          ],
          env,
        },
        extension: 'dump',
        restartsAfterRestore: false,
        globals: pgGlobalsCommands(c.user, c.database, c.password),
      }
    }
    case 'mariadb':
      return mysqlLike('mariadb-dump', 'mariadb', c)
    case 'mysql':
      return mysqlLike('mysqldump', 'mysql', c)
    case 'mongodb': {
      // mongodump reads the password from a config file (never the command line); it lives only
      // for the command's duration in the container's /tmp.
      const withConfig = (tool: string, args: string) => `set -eu
conf="$(mktemp)"; trap 'rm -f "$conf"' EXIT
printf 'password: "%s"\\n' "$BERTH_DB_PASSWORD" > "$conf"
${tool} --config="$conf" --username="$BERTH_DB_USER" --authenticationDatabase=admin ${args}`
      const env = { BERTH_DB_PASSWORD: c.password, BERTH_DB_USER: c.user }
      return {
        dump: { argv: ['sh', '-c', withConfig('mongodump', '--archive --gzip')], env },
        restore: { argv: ['sh', '-c', withConfig('mongorestore', '--archive --gzip --drop')], env },
        extension: 'archive.gz',
        restartsAfterRestore: false,
      }
    }
    case 'redis':
      return redisLike('redis-cli', c.password)
    case 'keydb':
      return redisLike('keydb-cli', c.password)
    case 'dragonfly':
      return redisLike('redis-cli', c.password)
    case 'clickhouse':
      return clickhouseCommands(c)
  }
}

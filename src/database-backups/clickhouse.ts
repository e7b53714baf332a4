import type { EngineCommands, EngineCredentials } from './engines.js'

// ClickHouse has no single-stream dump tool: `BACKUP ... TO Disk` writes into the server's own
// backup disk. Berth's dump is its own stream of records, one table at a time:
//   berth-clickhouse-dump 1
//   schema <bytes> <table>\n<CREATE statement>
//   data <bytes> <table>\n<the table's rows in ClickHouse's Native format>
// Each table's rows go through one temp file in the container (its size is known before it is
// sent), so the container needs room for the largest table, not the whole database. Tables come
// before views (a view reads tables that must exist when it is created); a materialized view's
// own rows are not dumped (restored empty, it fills again from new inserts). Names are passed as
// query parameters ({t:Identifier}), never spliced into SQL. The client reads the user and
// password from the environment (`from_env` in its config), never from its command line.
export const CLICKHOUSE_MAGIC = 'berth-clickhouse-dump 1'

const CLIENT = `set -eu
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
printf '<clickhouse><user from_env="BERTH_DB_USER"/><password from_env="BERTH_DB_PASSWORD"/></clickhouse>\\n' > "$dir/client.xml"
c() { clickhouse-client --config-file="$dir/client.xml" --database="$BERTH_DB_NAME" "$@"; }`

const DUMP = `${CLIENT}
record() { printf '%s %s %s\\n' "$1" "$(wc -c < "$3")" "$2"; cat "$3"; }
echo '${CLICKHOUSE_MAGIC}'
c --query "SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND name NOT LIKE '.inner%' ORDER BY engine LIKE '%View', name FORMAT TSVRaw" > "$dir/tables"
while IFS="$(printf '\\t')" read -r t engine; do
  c --param_t="$t" --query 'SHOW CREATE TABLE {t:Identifier} FORMAT TSVRaw' |
    sed "1s/^\\(CREATE [A-Z ]*\\) \\\`\\{0,1\\}$BERTH_DB_NAME\\\`\\{0,1\\}\\./\\1 /" > "$dir/schema"
  record schema "$t" "$dir/schema"
  case "$engine" in *View) continue ;; esac
  c --param_t="$t" --query 'SELECT * FROM {t:Identifier} FORMAT Native' > "$dir/rows"
  record data "$t" "$dir/rows"
  rm -f "$dir/rows"
done < "$dir/tables"`

// Replaces each table (drop, create from the dump's statement, insert its rows). SHOW CREATE names
// the table with its database; the dump drops that prefix (database names Berth makes are letters,
// digits and underscores), so the statement creates the table in the database restored into.
const RESTORE = `${CLIENT}
IFS= read -r magic
[ "$magic" = '${CLICKHOUSE_MAGIC}' ] || { echo "not a Berth ClickHouse dump" >&2; exit 1; }
while read -r kind size t; do
  case "$kind" in
    schema)
      head -c "$size" > "$dir/schema"
      [ "$(wc -c < "$dir/schema")" = "$size" ] || { echo "the dump ends inside the schema of $t" >&2; exit 1; }
      c --param_t="$t" --query 'DROP TABLE IF EXISTS {t:Identifier} SYNC'
      c --multiquery < "$dir/schema" ;;
    data)
      head -c "$size" | c --param_t="$t" --query 'INSERT INTO {t:Identifier} FORMAT Native' ;;
    *) echo "unknown record in the dump: $kind" >&2; exit 1 ;;
  esac
done`

export function clickhouseCommands(c: EngineCredentials): EngineCommands {
  const env = { BERTH_DB_USER: c.user, BERTH_DB_PASSWORD: c.password, BERTH_DB_NAME: c.database }
  return {
    dump: { argv: ['sh', '-c', DUMP], env },
    restore: { argv: ['sh', '-c', RESTORE], env },
    extension: 'chdump',
    restartsAfterRestore: false,
  }
}

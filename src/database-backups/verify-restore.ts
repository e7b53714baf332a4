import { randomBytes } from 'node:crypto'
import type { Transform } from 'node:stream'
import type { DatabaseType, DbBackupRunTable } from '../db/schema.js'
import type { DockerHost } from '../servers/docker-host.js'
import { type EngineCredentials, type ExecCommand, engineCommands } from './engines.js'
import { globalsForRestore, pgGlobalsCommands } from './pg-globals.js'
import { execCollect, execIn, type RunLog, storeToRestore } from './run-exec.js'
import type { ArtifactStore } from './stores.js'

const READY_TIMEOUT_MS = 90_000
// The scratch server's own role and database: nothing of the backed-up server's.
const SCRATCH = { user: 'berth_verify', database: 'berth_verify' }

type Backup = Pick<DbBackupRunTable, 'id' | 'artifact_key' | 'globals_key' | 'encrypted'>
type Env = { host: DockerHost; store: ArtifactStore; artifactKey: Buffer }
/** A started throw-away container: its name, and a stored artifact streamed into a command run in it. */
type Scratch = {
  name: string
  load: (key: string, command: ExecCommand, log: RunLog, rewrite?: Transform) => Promise<void>
}

/** The engines whose backups can be verified by a restore into a throw-away container. */
export const VERIFIABLE: readonly DatabaseType[] = ['postgresql', 'mariadb', 'mysql', 'redis']

/**
 * Proves a backup restores: a throw-away container of the database's own image (no network,
 * removed afterwards whatever happens) gets the artifact and the engine's own check runs on it.
 * PostgreSQL: `pg_restore --list`, the roles, the dump, a count of the tables. MariaDB/MySQL: the
 * dump loaded, `mariadb-check`/`mysqlcheck` and a count of the tables. Redis: `redis-check-rdb` on
 * the snapshot. Answers a sentence for the log; throws with the step that failed.
 */
export async function verifyRestore(
  env: Env,
  backup: Backup,
  type: DatabaseType,
  image: string,
  log: RunLog,
): Promise<string> {
  switch (type) {
    case 'postgresql':
      return inScratch(env, backup, image, postgresServer(), log, (s) => verifyPostgres(env, backup, s, log))
    case 'mariadb':
    case 'mysql': {
      const password = randomBytes(18).toString('base64url')
      return inScratch(env, backup, image, mysqlServer(type, password), log, (s) =>
        verifyMysql(type, password, s, backup, env, log),
      )
    }
    case 'redis':
      return inScratch(env, backup, image, snapshotOnly, log, (s) => verifyRedis(s, backup, env, log))
    default:
      throw new Error(`verifying ${type} backups by a restore is not supported`)
  }
}

/** How a throw-away container of an engine starts (options, the image's command if not its own) and when it is ready. */
type ScratchServer = { args: string[]; env: Record<string, string>; command?: string[]; ready?: ExecCommand }

function postgresServer(): ScratchServer {
  // A password only this container ever has: the official image refuses to start without one.
  return {
    args: ['-e', 'POSTGRES_PASSWORD', '-e', `POSTGRES_USER=${SCRATCH.user}`, '-e', `POSTGRES_DB=${SCRATCH.database}`],
    env: { POSTGRES_PASSWORD: randomBytes(18).toString('base64url') },
    // Over TCP: the official image's first, initialising server listens on its socket only.
    ready: { argv: ['pg_isready', '-q', '-h', '127.0.0.1', '-U', SCRATCH.user], env: {} },
  }
}

function mysqlServer(type: 'mariadb' | 'mysql', password: string): ScratchServer {
  const prefix = type === 'mariadb' ? 'MARIADB' : 'MYSQL'
  return {
    args: ['-e', `${prefix}_ROOT_PASSWORD`, '-e', `${prefix}_DATABASE=${SCRATCH.database}`],
    env: { [`${prefix}_ROOT_PASSWORD`]: password },
    // Over TCP as root: the images' initialising server does not listen on it.
    ready: {
      argv: [mysqlClient(type), '-h', '127.0.0.1', '-u', 'root', '-e', 'SELECT 1'],
      env: { MYSQL_PWD: password },
    },
  }
}

const mysqlClient = (type: 'mariadb' | 'mysql') => (type === 'mariadb' ? 'mariadb' : 'mysql')

// Redis checks a snapshot file without a server: the container only has to exist.
const snapshotOnly: ScratchServer = { args: ['--entrypoint', 'sleep'], env: {}, command: ['3600'] }

async function inScratch(
  env: Env,
  backup: Backup,
  image: string,
  server: ScratchServer,
  log: RunLog,
  check: (scratch: Scratch) => Promise<string>,
): Promise<string> {
  const { host, store } = env
  const name = `berth-verify-${backup.id.slice(0, 8)}-${randomBytes(3).toString('hex')}`
  log.append('berth', `Verifying: restoring into a throw-away container ${name} of ${image}`)
  const started = host.stream(
    [
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'none',
      '--label',
      'berth.helper=database-backups-verify',
      ...server.args,
      image,
      ...(server.command ?? []),
    ],
    { env: server.env },
  )
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      started.on('error', reject)
      started.on('close', resolve)
    })
    if (code !== 0) throw new Error(`the throw-away container could not start (docker run exited ${code})`)
    if (server.ready) await untilReady(host, name, server.ready)
    const decryptWith = backup.encrypted ? env.artifactKey : null
    return await check({
      name,
      load: async (key, command, into, rewrite) =>
        storeToRestore(execIn(host, name, command, true), await store.get(key), decryptWith, into, false, rewrite),
    })
  } finally {
    const removed = await host.docker(['rm', '-f', '-v', name])
    if (removed.code !== 0)
      log.append('berth', `Removing the throw-away container ${name} failed: ${removed.stderr.trim()}`)
  }
}

async function verifyPostgres(env: Env, backup: Backup, scratch: Scratch, log: RunLog) {
  const { host } = env
  const commands = engineCommands('postgresql', { ...SCRATCH, password: '', rootPassword: '' })
  if (typeof commands === 'string') throw new Error(commands)
  let entries = 0
  const counting: RunLog = {
    append: (stream, line) => {
      if (stream === 'stdout') entries += line.startsWith(';') ? 0 : 1
      else log.append(stream, line)
    },
  }
  await scratch.load(backup.artifact_key!, { argv: ['pg_restore', '--list'], env: {} }, counting)
  if (entries === 0) throw new Error('pg_restore --list found no entry in the archive')
  if (backup.globals_key !== null)
    await scratch.load(
      backup.globals_key,
      pgGlobalsCommands(SCRATCH.user, SCRATCH.database, '').restore,
      log,
      globalsForRestore(SCRATCH.user),
    )
  await scratch.load(backup.artifact_key!, commands.restore, log)
  const tables = await query(host, scratch.name, {
    argv: [
      'psql',
      '-X',
      '-At',
      '-U',
      SCRATCH.user,
      '-d',
      SCRATCH.database,
      '-c',
      "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    ],
    env: {},
  })
  return `Verified: the archive lists ${entries} entries and restored ${tables} tables into a throw-away server`
}

async function verifyMysql(
  type: 'mariadb' | 'mysql',
  rootPassword: string,
  scratch: Scratch,
  backup: Backup,
  env: Env,
  log: RunLog,
) {
  const credentials: EngineCredentials = { ...SCRATCH, password: '', rootPassword }
  const commands = engineCommands(type, credentials)
  if (typeof commands === 'string') throw new Error(commands)
  const pwd = commands.restore.env
  const tcp = ['-h', '127.0.0.1', '-u', 'root']
  await scratch.load(
    backup.artifact_key!,
    { argv: [commands.restore.argv[0]!, ...tcp, SCRATCH.database], env: pwd },
    log,
  )
  const checker = type === 'mariadb' ? 'mariadb-check' : 'mysqlcheck'
  const checked = await query(env.host, scratch.name, { argv: [checker, ...tcp, SCRATCH.database], env: pwd })
  const broken = checkProblems(checked)
  if (broken.length > 0) throw new Error(`${checker} reported: ${broken.slice(0, 3).join('; ')}`)
  const tables = await query(env.host, scratch.name, {
    argv: [
      mysqlClient(type),
      ...tcp,
      '-N',
      '-e',
      `SELECT count(*) FROM information_schema.tables WHERE table_schema = '${SCRATCH.database}'`,
    ],
    env: pwd,
  })
  if (tables === '0') throw new Error('the dump restored no table')
  return `Verified: the dump loaded into a throw-away server, ${tables} tables, ${checker} found no error`
}

async function verifyRedis(scratch: Scratch, backup: Backup, env: Env, log: RunLog) {
  const file = '/tmp/berth-verify.rdb'
  await scratch.load(backup.artifact_key!, { argv: ['sh', '-c', `cat > ${file}`], env: {} }, log)
  const checked = await env.host.docker(['exec', scratch.name, 'redis-check-rdb', file])
  const lines = `${checked.stdout}\n${checked.stderr}`.split('\n').map((l) => l.trim())
  if (checked.code !== 0 || !lines.some((l) => l.includes('RDB looks OK')))
    throw new Error(
      `redis-check-rdb found the snapshot broken: ${
        lines
          .filter((l) => /error|unexpected|fail|short/i.test(l))
          .slice(0, 3)
          .join('; ') || `exit ${checked.code}`
      }`,
    )
  const keys = lines.map((l) => /(\d+) keys read/.exec(l)?.[1]).find((n) => n !== undefined) ?? '?'
  return `Verified: redis-check-rdb read ${keys} keys from the snapshot in a throw-away container`
}

/** A query's trimmed output; throws with its error output when it fails. */
async function query(host: DockerHost, name: string, command: ExecCommand) {
  const result = await execCollect(host, name, command)
  if (result.code !== 0) throw new Error(`${command.argv[0]} failed: ${result.stderr.trim().slice(0, 500)}`)
  return result.stdout.trim()
}

async function untilReady(host: DockerHost, name: string, probe: ExecCommand) {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if ((await execCollect(host, name, probe)).code === 0) return
    if (Date.now() > deadline)
      throw new Error(`the throw-away server did not accept connections within ${READY_TIMEOUT_MS / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/**
 * The problems in mariadb-check/mysqlcheck output: each table is "db.table  OK", or its name then
 * "note/warning/error : ..." lines; a note (an engine without CHECK) is no failure.
 */
export function checkProblems(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^(error|warning)\s*:/i.test(line))
}

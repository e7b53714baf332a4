import { randomBytes } from 'node:crypto'
import type { DbBackupRunTable } from '../db/schema.js'
import type { DockerHost } from '../servers/docker-host.js'
import { engineCommands } from './engines.js'
import { globalsForRestore, pgGlobalsCommands } from './pg-globals.js'
import { execIn, type RunLog, storeToRestore } from './run-exec.js'
import type { ArtifactStore } from './stores.js'

const READY_TIMEOUT_MS = 90_000
// The scratch server's own role and database: nothing of the backed-up server's.
const SCRATCH = { user: 'berth_verify', database: 'berth_verify' }

type Backup = Pick<DbBackupRunTable, 'id' | 'artifact_key' | 'globals_key' | 'encrypted'>

/**
 * Proves a PostgreSQL backup restores: a throw-away container of the database's own image (no
 * network, removed afterwards whatever happens) gets the roles and then the dump, after
 * `pg_restore --list` has read the archive's table of contents. Answers a sentence for the log;
 * throws with the step that failed.
 */
export async function verifyPostgresRestore(
  env: { host: DockerHost; store: ArtifactStore; artifactKey: Buffer },
  backup: Backup,
  image: string,
  log: RunLog,
): Promise<string> {
  const { host, store } = env
  const decryptWith = backup.encrypted ? env.artifactKey : null
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
      '-e',
      'POSTGRES_PASSWORD',
      '-e',
      `POSTGRES_USER=${SCRATCH.user}`,
      '-e',
      `POSTGRES_DB=${SCRATCH.database}`,
      image,
    ],
    // A password only this container ever has: the official image refuses to start without one.
    { env: { POSTGRES_PASSWORD: randomBytes(18).toString('base64url') } },
  )
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      started.on('error', reject)
      started.on('close', resolve)
    })
    if (code !== 0) throw new Error(`the throw-away container could not start (docker run exited ${code})`)
    await untilReady(host, name)
    const commands = engineCommands('postgresql', { ...SCRATCH, password: '', rootPassword: '' })
    if (typeof commands === 'string') throw new Error(commands)
    let entries = 0
    const counting: RunLog = {
      append: (stream, line) => {
        if (stream === 'stdout') entries += line.startsWith(';') ? 0 : 1
        else log.append(stream, line)
      },
    }
    const list = { argv: ['pg_restore', '--list'], env: {} }
    await storeToRestore(
      execIn(host, name, list, true),
      await store.get(backup.artifact_key!),
      decryptWith,
      counting,
      false,
    )
    if (entries === 0) throw new Error('pg_restore --list found no entry in the archive')
    if (backup.globals_key !== null)
      await storeToRestore(
        execIn(host, name, pgGlobalsCommands(SCRATCH.user, SCRATCH.database, '').restore, true),
        await store.get(backup.globals_key),
        decryptWith,
        log,
        false,
        globalsForRestore(SCRATCH.user),
      )
    await storeToRestore(
      execIn(host, name, commands.restore, true),
      await store.get(backup.artifact_key!),
      decryptWith,
      log,
      false,
    )
    const tables = await host.docker([
      'exec',
      name,
      'psql',
      '-X',
      '-At',
      '-U',
      SCRATCH.user,
      '-d',
      SCRATCH.database,
      '-c',
      "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    ])
    if (tables.code !== 0) throw new Error(`counting the restored tables failed: ${tables.stderr.trim()}`)
    return `Verified: the archive lists ${entries} entries and restored ${tables.stdout.trim()} tables into a throw-away server`
  } finally {
    const removed = await host.docker(['rm', '-f', '-v', name])
    if (removed.code !== 0)
      log.append('berth', `Removing the throw-away container ${name} failed: ${removed.stderr.trim()}`)
  }
}

async function untilReady(host: DockerHost, name: string) {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    // Over TCP: the official image's first, initialising server listens on its socket only.
    const ready = await host.docker(['exec', name, 'pg_isready', '-q', '-h', '127.0.0.1', '-U', SCRATCH.user])
    if (ready.code === 0) return
    if (Date.now() > deadline)
      throw new Error(`the throw-away server did not accept connections within ${READY_TIMEOUT_MS / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

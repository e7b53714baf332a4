import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { pipeline } from 'node:stream/promises'
import type { Readable, Transform } from 'node:stream'
import type { DockerHost } from '../servers/docker-host.js'
import { decryptStream, encryptStream } from './artifact-crypto.js'
import { type ExecCommand, RESTORE_LOADED } from './engines.js'
import type { ArtifactStore } from './stores.js'
import { measuring, sha256Of } from './streams.js'

/** Where a run's lines go (already redacting, see log-writer.ts). */
export type RunLog = { append(stream: 'stdout' | 'stderr' | 'berth', line: string): void }

/** `docker exec` of an engine command: its credentials by name only (`-e NAME`), values in the CLI's environment. */
function execArgs(container: string, command: ExecCommand, stdin: boolean): string[] {
  const names = Object.keys(command.env).flatMap((name) => ['-e', name])
  return ['exec', ...(stdin ? ['-i'] : []), ...names, container, ...command.argv]
}

/** An engine command streamed in and out of a container (a dump, a restore); see execArgs. */
export function execIn(host: DockerHost, container: string, command: ExecCommand, stdin: boolean): ChildProcess {
  return host.stream(execArgs(container, command, stdin), { env: command.env, stdin })
}

/** A short engine command in a container (a check, a count), its output collected; see execArgs. */
export function execCollect(host: DockerHost, container: string, command: ExecCommand) {
  return host.docker(execArgs(container, command, false), { env: command.env })
}

function logLines(stream: Readable | null, log: RunLog, as: 'stdout' | 'stderr') {
  if (stream)
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (l) => log.append(as, l))
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve(code))
  })
}

export type StoredArtifact = { size: number; sha256: string }

/**
 * Streams the dump command's stdout (encrypted when a key is given) into the store, hashing and
 * counting on the way; nothing is held in memory beyond the stream buffers and the upload parts.
 * Fails on a non-zero exit, an empty dump or a store error (the partial object is deleted), then
 * reads the stored object back and compares its checksum.
 */
export async function dumpToStore(
  child: ChildProcess,
  store: ArtifactStore,
  key: string,
  encryptWith: Buffer | null,
  log: RunLog,
): Promise<StoredArtifact> {
  logLines(child.stderr, log, 'stderr')
  const measured = measuring()
  const stages: (Readable | Transform)[] = [child.stdout!, ...(encryptWith ? [encryptStream(encryptWith)] : [])]
  const flowing = pipeline([...stages, measured.stream])
  const stored = store.put(key, measured.stream)
  // A store that fails stops reading: end the dump rather than leave it blocked on a full pipe.
  stored.catch(() => {
    child.kill('SIGKILL')
    measured.stream.destroy()
  })
  const [exit, put, piped] = await Promise.allSettled([exitOf(child), stored, flowing])
  const problem =
    exit.status === 'rejected'
      ? `the dump could not start: ${(exit.reason as Error).message}`
      : exit.value !== 0
        ? `the dump command exited with status ${exit.value}`
        : put.status === 'rejected'
          ? `storing the artifact failed: ${(put.reason as Error).message}`
          : piped.status === 'rejected'
            ? `the dump stream failed: ${(piped.reason as Error).message}`
            : measured.size() === 0
              ? 'the dump is empty'
              : null
  if (problem !== null) {
    if (put.status === 'fulfilled')
      await store.delete(key).catch((error: unknown) => {
        log.append('berth', `Deleting the incomplete artifact failed too: ${(error as Error).message}`)
      })
    throw new Error(problem)
  }
  const artifact = { size: measured.size(), sha256: measured.sha256() }
  log.append('berth', `Stored ${artifact.size} bytes, sha256 ${artifact.sha256}; reading it back to verify`)
  const readBack = await sha256Of(await store.get(key))
  if (readBack.sha256 !== artifact.sha256 || readBack.size !== artifact.size)
    throw new Error(
      `the stored artifact differs from what was written (${readBack.size} bytes, sha256 ${readBack.sha256})`,
    )
  log.append('berth', 'Read back: checksum matches')
  return artifact
}

/**
 * Streams a stored artifact (decrypted when a key is given) into the restore command's stdin.
 * A restore that restarts the server (Redis) ends its exec with the container: it succeeded when
 * it printed RESTORE_LOADED before that.
 */
export async function storeToRestore(
  child: ChildProcess,
  artifact: Readable,
  decryptWith: Buffer | null,
  log: RunLog,
  restarts: boolean,
  /** Rewrites the (decrypted) artifact on its way in: the PostgreSQL globals. */
  rewrite?: Transform,
): Promise<void> {
  let loaded = false
  logLines(child.stderr, log, 'stderr')
  if (child.stdout)
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (restarts && line === RESTORE_LOADED) loaded = true
      else log.append('stdout', line)
    })
  const stages: (Readable | Transform)[] = [
    artifact,
    ...(decryptWith ? [decryptStream(decryptWith)] : []),
    ...(rewrite ? [rewrite] : []),
  ]
  const [exit, piped] = await Promise.allSettled([exitOf(child), pipeline([...stages, child.stdin!])])
  if (exit.status === 'rejected') throw new Error(`the restore could not start: ${(exit.reason as Error).message}`)
  // A command that stopped on an error closes its stdin early: its exit says more than the broken pipe.
  if (!restarts && exit.value !== 0)
    throw new Error(`the restore command exited with status ${exit.value} before it finished`)
  if (piped.status === 'rejected' && !(restarts && loaded))
    throw new Error(`reading the artifact failed: ${(piped.reason as Error).message}`)
  if (restarts && !loaded) throw new Error(`the restore command exited with status ${exit.value} before it finished`)
}

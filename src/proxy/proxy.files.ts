import { createHash } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT'
}

/** The file's text, or null when it does not exist; any other failure is thrown. */
export function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}

/** File names directly in `dir` (no subdirectories: Traefik does not watch them), [] if it does not exist. */
export function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() || e.isSymbolicLink())
      .map((e) => e.name)
  } catch (error) {
    if (isNotFound(error)) return []
    throw error
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Replaces `path` atomically: the text goes to `path.tmp` in the same directory (a name Traefik
 * does not load, since it reads only .yml, .yaml and .toml), is fsynced, renamed over the target
 * and the directory fsynced, so a reader or a crash sees the old file or the new one, never half.
 */
export function writeFileAtomic(path: string, content: string): void {
  const dir = dirname(path)
  mkdirSync(dir, { recursive: true })
  const tmp = `${path}.tmp`
  const fd = openSync(tmp, 'w', 0o644)
  try {
    const buffer = Buffer.from(content, 'utf8')
    let offset = 0
    while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  fsyncDir(dir)
}

// fsync waits on the disk; a few in flight at once (libuv's thread pool runs them) hide most of that wait.
const WRITE_CONCURRENCY = 8

/**
 * Replaces many files, each atomically as in `writeFileAtomic`: every temp file is written and
 * fsynced (several at a time) before any rename, then each is renamed into place and each
 * directory fsynced once. A crash leaves every file old or new, never half written.
 */
export async function writeFilesAtomic(files: { path: string; content: string }[]): Promise<void> {
  const dirs = new Set(files.map((f) => dirname(f.path)))
  for (const dir of dirs) mkdirSync(dir, { recursive: true })
  let next = 0
  async function worker(): Promise<void> {
    while (next < files.length) {
      const file = files[next++]!
      const handle = await open(`${file.path}.tmp`, 'w', 0o644)
      try {
        await handle.writeFile(file.content, 'utf8')
        await handle.sync()
      } finally {
        await handle.close()
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, files.length) }, worker))
  for (const file of files) renameSync(`${file.path}.tmp`, file.path)
  for (const dir of dirs) fsyncDir(dir)
}

/** Deletes a file (and makes the deletion durable); false when it was already gone. */
export function removeFile(path: string): boolean {
  try {
    unlinkSync(path)
  } catch (error) {
    if (isNotFound(error)) return false
    throw error
  }
  fsyncDir(dirname(path))
  return true
}

export function resolveIn(root: string, relative: string): string {
  return join(root, relative)
}

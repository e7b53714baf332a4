import { execFile } from 'node:child_process'
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

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

// Writes go through libuv's thread pool, a few at a time, so creating files overlaps rendering.
const WRITE_CONCURRENCY = 8
// From this many files on, one flush of the whole file system (syncfs) replaces an fsync per file:
// each fsync waits for its own journal commit, while syncfs commits every file at once. Below it,
// per-file fsyncs are cheaper than flushing whatever else is pending on the file system.
const SYNCFS_MIN_FILES = 32
const run = promisify(execFile)

async function inPool<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await work(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, items.length) }, worker))
}

async function writeTemp(path: string, content: string): Promise<void> {
  const handle = await open(path, 'w', 0o644)
  try {
    await handle.writeFile(content, 'utf8')
  } finally {
    await handle.close()
  }
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Flushes the file system that holds `dir` with syncfs(2), which Node does not expose: `sync -f`
 * (coreutils and busybox) calls it. False when that command cannot be run here; a failed flush
 * (an I/O error) is thrown.
 */
async function syncFileSystem(dir: string): Promise<boolean> {
  try {
    await run('sync', ['-f', dir], { timeout: 120_000 })
    return true
  } catch (error) {
    if (isNotFound(error)) return false
    throw new Error(`flushing the file system of ${dir} failed: ${(error as Error).message}`, { cause: error })
  }
}

/**
 * Replaces a batch of files, each atomically as in `writeFileAtomic`, while the caller is still
 * producing them: temp files are written several at a time from the second file on, so writing
 * overlaps whatever the caller does between two `add`s (rendering the next project). `finish`
 * makes every temp file durable before any rename (one file-system flush for a big batch, else an
 * fsync each), renames each into place and fsyncs each directory once. A crash leaves every file
 * old or new, never half written. A batch of one file takes writeFileAtomic's short way.
 */
export function createBatchWriter() {
  const files: { path: string; content: string }[] = []
  const dirs = new Set<string>()
  const errors: unknown[] = []
  let started = 0
  let done = 0
  let running = 0
  let allDone: (() => void) | null = null

  /** Starts temp-file writes up to the concurrency bound; each one ending starts the next. */
  function pump(): void {
    while (running < WRITE_CONCURRENCY && started < files.length) {
      const file = files[started++]!
      running++
      writeTemp(`${file.path}.tmp`, file.content)
        .catch((error: unknown) => void errors.push(error))
        .finally(() => {
          running--
          done++
          pump()
          if (done === files.length) allDone?.()
        })
    }
  }

  function add(path: string, content: string): void {
    const dir = dirname(path)
    if (!dirs.has(dir)) mkdirSync(dir, { recursive: true })
    dirs.add(dir)
    files.push({ path, content })
    if (files.length >= 2) pump()
  }

  async function finish(): Promise<void> {
    if (files.length <= 1) {
      if (files.length === 1) writeFileAtomic(files[0]!.path, files[0]!.content)
      return
    }
    if (done < files.length) await new Promise<void>((resolve) => (allDone = resolve))
    if (errors.length > 0) throw errors[0]
    let flushed = false
    if (files.length >= SYNCFS_MIN_FILES) {
      flushed = true
      for (const dir of dirs) flushed &&= await syncFileSystem(dir)
    }
    if (!flushed) await inPool(files, (f) => fsyncFile(`${f.path}.tmp`))
    for (const file of files) renameSync(`${file.path}.tmp`, file.path)
    for (const dir of dirs) fsyncDir(dir)
  }

  return { add, finish }
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

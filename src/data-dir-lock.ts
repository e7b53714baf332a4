import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const PID_FILE = 'server.pid'

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM means the process exists but belongs to someone else: still running.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid of a Berth server running on this data dir, if any (a stale file from a crash is ignored). */
export function runningServerPid(dataDir: string): number | undefined {
  const path = join(dataDir, PID_FILE)
  if (!existsSync(path)) return undefined
  const pid = Number(readFileSync(path, 'utf8').trim())
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) ? pid : undefined
}

/** Marks the data dir as served by this process, so a restore refuses to swap the database under it. */
export function markServerRunning(dataDir: string): () => void {
  const path = join(dataDir, PID_FILE)
  writeFileSync(path, `${process.pid}\n`, { mode: 0o600 })
  return () => rmSync(path, { force: true })
}

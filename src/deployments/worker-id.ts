import { randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const FILE = 'worker-id'

/**
 * The id this data dir's Berth claims deployments under. It is kept in the data dir, not made per
 * process: only one Berth serves a data dir at a time, so whatever a previous life of this id left
 * in progress is known dead at start and can be recovered at once, while deployments claimed under
 * another id belong to a sibling process on the same database that may still be running them.
 */
export function workerIdFor(dataDir: string): string {
  const path = join(dataDir, FILE)
  try {
    writeFileSync(path, `${randomUUID()}\n`, { flag: 'wx', mode: 0o600 })
  } catch (error) {
    // EEXIST: an earlier start made it; anything else (no space, no permission) must surface.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const id = readFileSync(path, 'utf8').trim()
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`${path} does not hold a worker id; delete it and start again`)
  return id
}

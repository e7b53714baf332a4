import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.js'
import { preparedQuery } from '../../db/prepared.js'
import { nowIso } from '../../db/time.js'
import { sha256Hex } from '../../shared/hash.js'
import { createBatchWriter, listFiles, readIfExists, removeFile } from './file-writer.js'
import { OWNED_DIRS, type PlannedFile } from './proxy.plan.js'

/** Per path: the file to hold, null for "must not exist", KEEP for "could not be rendered: leave it as it is". */
export const KEEP = 'keep' as const
export type Want = PlannedFile | null | typeof KEEP
export type Desired = Map<string, Want>
// A full run gives way to the event loop this often, so the temp files queued so far get written
// while the next projects render (a full run's entries are rendered as they are iterated).
const ENTRIES_PER_TURN = 25

export type ApplyCounts = { written: string[]; removed: string[]; drift: string[] }

// Compiled once: a full sync records about as many rows as there are projects.
const recordFile = preparedQuery(
  (
    db,
    path: string,
    kind: string,
    projectId: string | null,
    content: string,
    sha: string,
    size: number,
    syncedAt: string,
  ) =>
    db
      .insertInto('proxy_generated_files')
      .values({ path, kind, project_id: projectId, content, sha256: sha, size, last_synced_at: syncedAt })
      .onConflict((oc) =>
        oc.column('path').doUpdateSet((eb) => ({
          kind: eb.ref('excluded.kind'),
          project_id: eb.ref('excluded.project_id'),
          content: eb.ref('excluded.content'),
          sha256: eb.ref('excluded.sha256'),
          size: eb.ref('excluded.size'),
          last_synced_at: eb.ref('excluded.last_synced_at'),
        })),
      ),
)

/**
 * Makes the proxy directory match `desired`: writes only files whose checksum differs from what is
 * on disk, counts drift (a file that no longer matches what Berth last wrote, or is missing), and
 * with `scanOrphans` removes every file in the owned directories that nothing asks for (including
 * `.tmp` leftovers of an interrupted write). Records what it wrote in proxy_generated_files.
 */
export async function applyDesired(
  db: Kysely<DB>,
  proxyDir: string,
  desired: Iterable<[string, Want]>,
  scanOrphans: boolean,
): Promise<ApplyCounts> {
  let rowQuery = db.selectFrom('proxy_generated_files').select(['path', 'sha256'])
  if (!scanOrphans) {
    // Only the named paths' records are needed; a one-pass iterable is read into a map first.
    desired = desired instanceof Map ? desired : new Map(desired)
    const paths = [...(desired as Desired).keys()]
    rowQuery = rowQuery.where('path', 'in', paths.length > 0 ? paths : [''])
  }
  const rows = new Map((await rowQuery.execute()).map((r) => [r.path, r.sha256]))
  const counts: ApplyCounts = { written: [], removed: [], drift: [] }
  const upserts: { file: PlannedFile; sha: string }[] = []
  const deletes: string[] = []
  const writer = createBatchWriter()
  const seen = new Set<string>()
  // A full run lists the owned directories once, and reads only files that exist: a first sync into
  // an empty directory would otherwise fail to open (and throw for) every one of its files.
  const present = scanOrphans
    ? new Set(OWNED_DIRS.flatMap((dir) => listFiles(`${proxyDir}/${dir}`).map((name) => `${dir}/${name}`)))
    : null

  for (const [path, want] of desired) {
    seen.add(path)
    if (scanOrphans && seen.size % ENTRIES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve))
    if (want === KEEP) continue
    const abs = `${proxyDir}/${path}`
    const disk = present && !present.has(path) ? null : readIfExists(abs)
    const diskSha = disk === null ? null : sha256Hex(disk)
    const recorded = rows.get(path)
    if (want === null) {
      if (disk !== null && removeFile(abs)) counts.removed.push(path)
      if (recorded !== undefined) deletes.push(path)
      continue
    }
    const sha = sha256Hex(want.content)
    if (diskSha === sha) {
      // Already right on disk (e.g. written before a crash cut the run short): just record it.
      if (recorded !== sha) upserts.push({ file: want, sha })
      continue
    }
    if (recorded !== undefined && diskSha !== recorded) counts.drift.push(path)
    writer.add(abs, want.content)
    counts.written.push(path)
    upserts.push({ file: want, sha })
  }

  if (scanOrphans) {
    // Orphans go before the renames below. Traefik answers each event in the directory by listing
    // it and then reading every file listed: a file removed between the two (while Traefik answers
    // this run's own renames) fails that whole reload with "no such file or directory" in its log.
    // Removed first, they are gone before this run's events. Temp files this run writes are not orphans.
    const writing = new Set(counts.written.map((path) => `${path}.tmp`))
    for (const path of present!) {
      if (seen.has(path) || writing.has(path)) continue
      if (removeFile(`${proxyDir}/${path}`)) counts.removed.push(path)
    }
    for (const path of rows.keys()) if (!seen.has(path) && !deletes.includes(path)) deletes.push(path)
  }
  await writer.finish()

  if (upserts.length > 0 || deletes.length > 0) {
    const now = nowIso()
    await db.transaction().execute(async (trx) => {
      for (const { file, sha } of upserts)
        await recordFile(
          trx,
          file.path,
          file.kind,
          file.projectId,
          file.content,
          sha,
          Buffer.byteLength(file.content),
          now,
        )
      if (deletes.length > 0) await trx.deleteFrom('proxy_generated_files').where('path', 'in', deletes).execute()
    })
  }
  return counts
}

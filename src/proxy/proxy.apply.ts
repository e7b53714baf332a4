import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { nowIso } from '../db/time.js'
import { listFiles, readIfExists, removeFile, sha256, writeFileAtomic, writeFilesAtomic } from './proxy.files.js'
import { OWNED_DIRS, type PlannedFile } from './proxy.plan.js'

/** Per path: the file to hold, null for "must not exist", KEEP for "could not be rendered: leave it as it is". */
export const KEEP = 'keep' as const
export type Desired = Map<string, PlannedFile | null | typeof KEEP>

export type ApplyCounts = { written: string[]; removed: string[]; drift: string[] }

/**
 * Makes the proxy directory match `desired`: writes only files whose checksum differs from what is
 * on disk, counts drift (a file that no longer matches what Berth last wrote, or is missing), and
 * with `scanOrphans` removes every file in the owned directories that nothing asks for (including
 * `.tmp` leftovers of an interrupted write). Records what it wrote in proxy_generated_files.
 */
export async function applyDesired(db: Kysely<DB>, proxyDir: string, desired: Desired, scanOrphans: boolean): Promise<ApplyCounts> {
  const paths = [...desired.keys()]
  let rowQuery = db.selectFrom('proxy_generated_files').select(['path', 'sha256'])
  if (!scanOrphans) rowQuery = rowQuery.where('path', 'in', paths.length > 0 ? paths : [''])
  const rows = new Map((await rowQuery.execute()).map((r) => [r.path, r.sha256]))
  const counts: ApplyCounts = { written: [], removed: [], drift: [] }
  const upserts: PlannedFile[] = []
  const deletes: string[] = []
  const writes: { path: string; content: string }[] = []

  for (const [path, want] of desired) {
    if (want === KEEP) continue
    const abs = `${proxyDir}/${path}`
    const disk = readIfExists(abs)
    const diskSha = disk === null ? null : sha256(disk)
    const recorded = rows.get(path)
    if (want === null) {
      if (disk !== null && removeFile(abs)) counts.removed.push(path)
      if (recorded !== undefined) deletes.push(path)
      continue
    }
    const sha = sha256(want.content)
    if (diskSha === sha) {
      // Already right on disk (e.g. written before a crash cut the run short): just record it.
      if (recorded !== sha) upserts.push(want)
      continue
    }
    if (recorded !== undefined && diskSha !== recorded) counts.drift.push(path)
    writes.push({ path: abs, content: want.content })
    counts.written.push(path)
    upserts.push(want)
  }
  // One file (the common case, a single project changed) goes the short way; many go in a batch.
  if (writes.length === 1) writeFileAtomic(writes[0]!.path, writes[0]!.content)
  else if (writes.length > 1) await writeFilesAtomic(writes)

  if (scanOrphans) {
    for (const dir of OWNED_DIRS) {
      for (const name of listFiles(`${proxyDir}/${dir}`)) {
        const path = `${dir}/${name}`
        if (desired.has(path)) continue
        if (removeFile(`${proxyDir}/${path}`)) counts.removed.push(path)
      }
    }
    for (const path of rows.keys()) if (!desired.has(path) && !deletes.includes(path)) deletes.push(path)
  }

  if (upserts.length > 0 || deletes.length > 0) {
    const now = nowIso()
    await db.transaction().execute(async (trx) => {
      for (const f of upserts) {
        const row = { path: f.path, kind: f.kind, project_id: f.projectId, content: f.content, sha256: sha256(f.content), size: Buffer.byteLength(f.content), last_synced_at: now }
        await trx
          .insertInto('proxy_generated_files')
          .values(row)
          .onConflict((oc) => oc.column('path').doUpdateSet({ kind: row.kind, project_id: row.project_id, content: row.content, sha256: row.sha256, size: row.size, last_synced_at: now }))
          .execute()
      }
      if (deletes.length > 0) await trx.deleteFrom('proxy_generated_files').where('path', 'in', deletes).execute()
    })
  }
  return counts
}

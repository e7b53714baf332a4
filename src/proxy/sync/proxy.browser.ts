import { lstatSync, readdirSync, readFileSync, realpathSync, type Stats } from 'node:fs'
import { join, sep } from 'node:path'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.js'
import { BadRequestError, NotFoundError } from '../../errors.js'
import { sha256Hex } from '../../shared/hash.js'

// Berth's generated file names use only these characters; anything else (%, \, NUL, spaces) is
// refused before the path is looked at, so no decoding trick can reach the resolver.
const SAFE_PATH = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/
const MAX_DEPTH = 3

export type ProxyFileEntry = {
  path: string
  size: number
  sha256: string
  synced_at: string | null
  drift: boolean
  tracked: boolean
  symlink: boolean
  /** The project a generated file belongs to, so a list can name it instead of showing its id. */
  project_name: string | null
}

/** Who is looking: a team sees shared files and its own projects' files; "root" sees everything. */
export type Viewer = { teamId: string; root: boolean }

function refuse(message: string): never {
  throw new BadRequestError('invalid_path', message)
}

/** Resolves a caller's relative path inside the proxy directory, or refuses it with 400. */
const MISSING_PATH_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG'])

export function resolveProxyPath(proxyDir: string, requested: string): string {
  if (requested.includes('\0')) refuse('The path contains a NUL byte.')
  if (requested.startsWith('/') || /^[A-Za-z]:/.test(requested))
    refuse('The path must be relative to the proxy directory.')
  if (requested.split(/[/\\]/).some((s) => s === '..' || s === '.'))
    refuse('The path must not contain "." or ".." segments.')
  if (!SAFE_PATH.test(requested))
    refuse('The path may contain only letters, digits, ".", "_", "-" and "/" between names.')
  let root: string
  try {
    root = realpathSync(proxyDir)
  } catch (error) {
    // Before the first sync (or with the directory removed) there is no file to show: not a 500.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new NotFoundError(`No file ${requested} in the proxy directory.`)
    throw error
  }
  let real: string
  try {
    real = realpathSync(join(root, requested))
  } catch (error) {
    // A name past the file system's 255 bytes, or a file used as a folder, names nothing there either
    // (both were 500s; Schemathesis found the first with a 300-character name).
    if (MISSING_PATH_CODES.has((error as NodeJS.ErrnoException).code ?? ''))
      throw new NotFoundError(`No file ${requested} in the proxy directory.`)
    throw error
  }
  // A symlink may point anywhere; what counts is where it ends up.
  if (!real.startsWith(root + sep)) refuse('The path leads outside the proxy directory.')
  return real
}

export function createProxyBrowser({ db, proxyDir }: { db: Kysely<DB>; proxyDir: string }) {
  async function visibleRows(viewer: Viewer) {
    const rows = await db
      .selectFrom('proxy_generated_files')
      .leftJoin('projects', 'projects.id', 'proxy_generated_files.project_id')
      .select([
        'proxy_generated_files.path',
        'proxy_generated_files.sha256',
        'proxy_generated_files.last_synced_at',
        'proxy_generated_files.project_id',
        'projects.team_id',
        'projects.name as project_name',
      ])
      .execute()
    return new Map(
      rows.map((r) => [r.path, { ...r, visible: viewer.root || r.project_id === null || r.team_id === viewer.teamId }]),
    )
  }

  /** The tracked files the viewer may see, from the records alone (no file is read). */
  async function visiblePaths(viewer: Viewer): Promise<Set<string>> {
    const rows = await visibleRows(viewer)
    return new Set([...rows.values()].filter((r) => r.visible).map((r) => r.path))
  }

  function walk(dir: string, prefix: string, depth: number, out: { path: string; stat: Stats }[]): void {
    if (depth > MAX_DEPTH) return
    let names: string[]
    try {
      names = readdirSync(dir).sort()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    for (const name of names) {
      const stat = lstatSync(join(dir, name))
      const path = prefix ? `${prefix}/${name}` : name
      if (stat.isDirectory()) walk(join(dir, name), path, depth + 1, out)
      else out.push({ path, stat })
    }
  }

  /** Every file under the proxy directory the viewer may see, with its checksum and drift flag. */
  async function list(viewer: Viewer): Promise<ProxyFileEntry[]> {
    const rows = await visibleRows(viewer)
    const found: { path: string; stat: Stats }[] = []
    walk(proxyDir, '', 0, found)
    const entries: ProxyFileEntry[] = []
    for (const { path, stat } of found) {
      const row = rows.get(path)
      // Untracked files (orphans, leftovers) say nothing about a team; only root sees them.
      if (row ? !row.visible : !viewer.root) continue
      const symlink = stat.isSymbolicLink()
      const sum = symlink ? '' : sha256Hex(readFileSync(join(proxyDir, path), 'utf8'))
      entries.push({
        path,
        size: stat.size,
        sha256: sum,
        synced_at: row?.last_synced_at ?? null,
        drift: row !== undefined && row.sha256 !== sum,
        tracked: row !== undefined,
        symlink,
        project_name: row?.project_name ?? null,
      })
    }
    return entries
  }

  /** One file's text; refuses traversal (400) and files the viewer may not see (404). */
  async function read(viewer: Viewer, requested: string): Promise<{ path: string; content: string; sha256: string }> {
    const real = resolveProxyPath(proxyDir, requested)
    const rows = await visibleRows(viewer)
    const row = rows.get(requested)
    if (row ? !row.visible : !viewer.root) throw new NotFoundError(`No file ${requested} in the proxy directory.`)
    if (!lstatSync(real).isFile()) refuse(`${requested} is not a file.`)
    const content = readFileSync(real, 'utf8')
    return { path: requested, content, sha256: sha256Hex(content) }
  }

  return { list, read, visiblePaths }
}

import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, join, relative } from 'node:path'

export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml']

/** A compose file found on disk and the project/service it should become. */
export type FoundComposeFile = { path: string; relativePath: string; projectName: string; serviceName: string }

function composeFileIn(dir: string): string | undefined {
  return COMPOSE_FILE_NAMES.map((name) => join(dir, name)).find((path) => existsSync(path) && statSync(path).isFile())
}

function subdirectories(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort()
}

/**
 * Finds compose files the way people lay them out by hand: one at the top of DIR (project and
 * service named after DIR), one per subdirectory of DIR (service named after the subdirectory),
 * and trees like apps/<type>/sites/<name>/ (project <type>, service <name>).
 */
export function discoverComposeFiles(root: string): FoundComposeFile[] {
  const found: FoundComposeFile[] = []
  const add = (path: string | undefined, projectName: string, serviceName: string) => {
    if (path) found.push({ path, relativePath: relative(root, path) || basename(path), projectName, serviceName })
  }
  const rootName = basename(root)
  add(composeFileIn(root), rootName, rootName)
  for (const name of subdirectories(root)) {
    if (name === 'apps') continue
    add(composeFileIn(join(root, name)), rootName, name)
  }
  const apps = join(root, 'apps')
  for (const type of subdirectories(apps)) {
    for (const site of subdirectories(join(apps, type, 'sites')))
      add(composeFileIn(join(apps, type, 'sites', site)), type, site)
  }
  return found
}

/** Turns a directory name into a valid service name (RFC 1123 label), or undefined when nothing usable is left. */
export function toServiceName(name: string): string | undefined {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '')
  return cleaned.length > 0 ? cleaned : undefined
}

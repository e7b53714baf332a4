import type { Settings } from '../../settings/settings.types.js'
import { buildCaddyConfig, stableJson } from '../caddy/caddy.render.js'
import { traefikContext } from './proxy.check.js'
import { proxyPaths, type ProjectRouting } from '../proxy.model.js'
import {
  buildSharedMiddlewares,
  buildTraefikApiAccess,
  buildTraefikDynamic,
  buildTraefikStatic,
  toStableYaml,
  type TraefikDoc,
} from '../traefik/traefik.render.js'
import { validateTraefikDynamic, type RenderIssue } from '../traefik/traefik.validate.js'

export type FileKind = 'static' | 'shared' | 'project' | 'caddy'

/** A file the proxy directory should hold, already rendered and validated. */
export type PlannedFile = { path: string; kind: FileKind; projectId: string | null; content: string }

/** What a sync should make true: files to hold (content) and files to be gone (null), plus what could not be rendered. */
export type Plan = {
  files: Map<string, PlannedFile | null>
  issues: RenderIssue[]
  caddyConfig?: Record<string, unknown>
}

/** The directories the sync service owns, per proxy kind; anything else in them is an orphan. */
export const OWNED_DIRS = ['static', 'dynamic', 'caddy'] as const

function validStatic(doc: TraefikDoc): RenderIssue[] {
  const eps = doc.entryPoints as Record<string, { address?: string }> | undefined
  return eps && Object.values(eps).every((e) => typeof e.address === 'string' && e.address !== '')
    ? []
    : [{ file: proxyPaths.static, path: 'entryPoints', message: 'needs an address for every entry point' }]
}

/** One project's dynamic file (or null when it has nothing to route), checked before anyone may write it. */
export function planProject(
  project: ProjectRouting,
  settings: Settings,
): { file: PlannedFile | null; issues: RenderIssue[] } {
  const path = proxyPaths.project(project.projectId)
  const doc = buildTraefikDynamic(project, { settings })
  if (!doc) return { file: null, issues: [] }
  const issues = validateTraefikDynamic(path, doc, traefikContext(settings))
  return {
    file: {
      path,
      kind: 'project',
      projectId: project.projectId,
      content: toStableYaml(doc, `Project ${project.projectName} (${project.projectId})`),
    },
    issues,
  }
}

/**
 * Each project's last plan with the exact input it was rendered from (the project's routing and the
 * settings), owned by the sync service: a full sync then renders and validates only the projects
 * whose input changed, instead of all of them on every reconcile.
 */
export type PlanCache = Map<string, { input: string; planned: ReturnType<typeof planProject> }>

/** planProject, answered from the cache when neither the project nor the settings changed. */
export function planProjectCached(
  project: ProjectRouting,
  settings: Settings,
  cache: PlanCache,
  settingsKey = JSON.stringify(settings),
): ReturnType<typeof planProject> {
  const input = `${settingsKey}\n${JSON.stringify(project)}`
  const hit = cache.get(project.projectId)
  if (hit?.input === input) return hit.planned
  const planned = planProject(project, settings)
  cache.set(project.projectId, { input, planned })
  return planned
}

/** One file of a plan with what kept it from validating (then it must not be written). */
export type PlanEntry = { path: string; file: PlannedFile | null; issues: RenderIssue[] }

/**
 * The whole Traefik directory (static and shared files, one file per project), entry by entry:
 * each project is rendered only when its entry is asked for, so a caller can write the files
 * already rendered while the rest renders.
 */
export function* traefikEntries(
  projects: ProjectRouting[],
  settings: Settings,
  cache: PlanCache = new Map(),
  apiSources: string[] = [],
): Generator<PlanEntry> {
  const staticDoc = buildTraefikStatic(settings)
  yield {
    path: proxyPaths.static,
    file: { path: proxyPaths.static, kind: 'static', projectId: null, content: toStableYaml(staticDoc) },
    issues: validStatic(staticDoc),
  }
  yield {
    path: proxyPaths.shared,
    file: {
      path: proxyPaths.shared,
      kind: 'shared',
      projectId: null,
      content: toStableYaml(buildSharedMiddlewares(), 'Shared middlewares'),
    },
    issues: [],
  }
  if (apiSources.length > 0)
    yield {
      path: proxyPaths.api,
      file: {
        path: proxyPaths.api,
        kind: 'shared',
        projectId: null,
        content: toStableYaml(buildTraefikApiAccess(apiSources), "Who may read Traefik's API"),
      },
      issues: [],
    }
  const settingsKey = JSON.stringify(settings)
  for (const project of projects) {
    const planned = planProjectCached(project, settings, cache, settingsKey)
    yield { path: proxyPaths.project(project.projectId), file: planned.file, issues: planned.issues }
  }
  const present = new Set(projects.map((p) => p.projectId))
  for (const projectId of cache.keys()) if (!present.has(projectId)) cache.delete(projectId)
}

/** Files for every project, plus the static and shared files: the whole Traefik directory. */
export function planTraefik(projects: ProjectRouting[], settings: Settings, cache: PlanCache = new Map()): Plan {
  const files = new Map<string, PlannedFile | null>()
  const issues: RenderIssue[] = []
  for (const entry of traefikEntries(projects, settings, cache)) {
    files.set(entry.path, entry.file)
    issues.push(...entry.issues)
  }
  return { files, issues }
}

/** The whole Caddy configuration: one JSON document, applied through the admin API and mirrored to disk. */
export function planCaddy(projects: ProjectRouting[], settings: Settings): Plan {
  const { config, issues } = buildCaddyConfig(projects, settings)
  const files = new Map<string, PlannedFile | null>([
    [proxyPaths.caddy, { path: proxyPaths.caddy, kind: 'caddy', projectId: null, content: stableJson(config) }],
  ])
  return { files, issues, caddyConfig: config }
}

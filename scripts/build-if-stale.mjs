#!/usr/bin/env node
// `npm start` runs this first (prestart): it builds (`npm run build`: tsc, then vite) only when an
// output is missing or a source input changed after the oldest output was written, so a restart
// with nothing changed starts at once. A fresh clone has no dist/ and is built.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
/** What `npm run build` writes last in each of its two steps. */
const OUTPUTS = ['dist/cli.js', 'dist/web/index.html']
/** What the build reads: the server and UI sources, their compiler and bundler settings, the dependencies. */
const INPUT_DIRS = ['src', 'web']
const INPUT_FILES = ['package.json', 'package-lock.json']

/** The newest file under `path` (a file or a directory), as [mtimeMs, path]; null when there is none. */
function newest(path) {
  if (!existsSync(path)) return null
  const stat = statSync(path)
  if (!stat.isDirectory()) return [stat.mtimeMs, path]
  let best = null
  for (const name of readdirSync(path)) {
    if (name === 'node_modules') continue
    const found = newest(join(path, name))
    if (found && (!best || found[0] > best[0])) best = found
  }
  return best
}

/** Why the build must run, or null when every output is newer than every input. */
function staleReason() {
  const missing = OUTPUTS.find((o) => !existsSync(join(root, o)))
  if (missing) return `${missing} does not exist`
  const oldestOutput = Math.min(...OUTPUTS.map((o) => statSync(join(root, o)).mtimeMs))
  const tsconfigs = readdirSync(root).filter((n) => /^tsconfig.*\.json$/.test(n))
  for (const input of [...INPUT_DIRS, ...INPUT_FILES, ...tsconfigs]) {
    const found = newest(join(root, input))
    if (found && found[0] > oldestOutput) return `${relative(root, found[1])} changed after the last build`
  }
  return null
}

const reason = staleReason()
if (reason === null) {
  console.log('berth: the build is up to date (dist/ is newer than every source), not rebuilding')
} else {
  console.log(`berth: building, ${reason}`)
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })
  if (build.error) throw build.error
  process.exit(build.status ?? 1)
}

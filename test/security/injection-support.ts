// Shared pieces of the injection suite (injection*.test.ts): the hostile strings, a counter of what
// was tried, and readers that look at rendered text the way its consumers (Go's YAML parser in
// Traefik and Compose, Compose's own interpolation) read it.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, lstatSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { parse } from 'yaml'
import type { TestApp } from '../support/harness.js'

/** A name no file may ever get: a shell that ran any hostile string would create /tmp/<MARK>-N. */
export const MARK = `berth-pwned-${randomBytes(6).toString('hex')}`

/** Hostile text of every kind the issue names; each target puts these (or a path form of them) in one field. */
export const HOSTILE: string[] = [
  // Shell metacharacters: any of these run by a shell creates a marker file.
  `$(touch /tmp/${MARK}-1)`,
  `\`touch /tmp/${MARK}-2\``,
  `x; touch /tmp/${MARK}-3;`,
  `x | touch /tmp/${MARK}-4`,
  `x && touch /tmp/${MARK}-5 || true`,
  `x\ntouch /tmp/${MARK}-6`,
  `\${IFS}touch\${IFS}/tmp/${MARK}-7`,
  `-oProxyCommand=touch /tmp/${MARK}-8`,
  `"'; drop table services; --`,
  // Line breaks, including the ones Go's YAML parser (Traefik, Compose) breaks lines at and JavaScript's does not.
  'a\nb',
  'a\r\nevil: x',
  '\n  evil:\n    image: x',
  'a\u2028evil: x',
  'a\u0085  evil:\u0085    image: x',
  'a\u2029tcp: {routers: {e: {rule: x, service: e}}} #',
  // YAML structure.
  '&anchor x',
  '*anchor',
  '!!python/object/apply:os.system ["id"]',
  '!reset null',
  '{evil: x}',
  '[a, b]',
  'key: value',
  '- item',
  '--- \n...',
  '? complex',
  '# comment',
  '%YAML 1.1',
  '<<: *anchor',
  // Traefik rule syntax.
  '`) || Host(`evil.test`) || Host(`',
  '`',
  '||',
  '&&',
  'Host(`evil.test`)',
  '!PathPrefix(`/`)',
  // Caddy JSON structure and placeholders.
  '"}],"handle":[{"handler":"static_response","body":"owned"}],"x":[{"',
  '{"@id":"evil"}',
  '{env.HOME}',
  '{file./etc/passwd}',
  '\\"},{"handler":"x',
  // Compose interpolation.
  '${HOME}',
  '$$HOME',
  '${X:?stop}',
  // Path traversal.
  '../../../../tmp/' + MARK + '-9',
  '..%2f..%2f..%2fetc%2fpasswd',
  '%2e%2e/%2e%2e/etc/passwd',
  '/etc/passwd',
  '..\\..\\windows',
  '....//....//etc',
  // Odd but printable.
  'ünïcödé-名前',
  ' leading and trailing ',
  'a'.repeat(300),
]

/** Paths for fields that must start with "/": the hostile strings as path tails. */
export const HOSTILE_PATHS: string[] = [
  ...HOSTILE.map((h) => (h.startsWith('/') ? h : `/${h}`)),
  '/a/../../etc',
  "/a'b",
  '/$(id)',
  '/a&&b',
  '/%60)%20||%20Host(%60evil.test',
  '/api/`)',
]

export type Attempt = { status: number; body: any }

/** Counts every injection sent and checks the answer: a 2xx, or a 4xx with a code and a sentence, never a 5xx. */
export function createAttempts(t: TestApp, token: string) {
  const counts = { tried: 0, rejected: 0, accepted: 0 }
  const codes = new Map<string, number>()
  async function attempt(method: string, url: string, body?: unknown): Promise<Attempt> {
    counts.tried++
    const res = await t.call(token, method as 'GET', url, body)
    const where = `${method} ${url} ${JSON.stringify(body)?.slice(0, 300)}`
    assert.ok(
      (res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500),
      `${res.status} for ${where}: ${JSON.stringify(res.body).slice(0, 500)}`,
    )
    if (res.status >= 400) {
      counts.rejected++
      assert.match(res.body?.error?.code ?? '', /^[a-z][a-z_]*$/, `a machine-readable code for ${where}`)
      assert.match(res.body?.error?.message ?? '', /\S.{8,}/, `a sentence for ${where}`)
      codes.set(res.body.error.code, (codes.get(res.body.error.code) ?? 0) + 1)
    } else counts.accepted++
    return res
  }
  return { attempt, counts, codes }
}

/** NEL, LS and PS: Go's YAML parser (Traefik's file provider, Compose) ends a line at each; JavaScript's does not. */
export const GO_LINE_BREAKS = /[\u0085\u2028\u2029]/

/**
 * Parses rendered YAML after checking it holds no raw NEL/LS/PS: where JavaScript's parser sees one
 * value, Go's would see a line break there, and a value could become a key, a router or a service.
 */
export function parseRendered(text: string, what: string): any {
  const at = text.search(GO_LINE_BREAKS)
  if (at >= 0)
    assert.fail(
      `${what}: a raw line break for Go's YAML parser at ${at}: ${JSON.stringify(text.slice(at - 60, at + 60))}`,
    )
  return parse(text)
}

/** Compose prints a literal "$" as "$$" (its output can be read again); the value itself has one. */
export function composeValue(value: string | undefined): string | undefined {
  return value?.replace(/\$\$/g, '$')
}

/**
 * Compose's own reading of a file (`docker compose config`), with an optional .env file, as JSON;
 * null when Compose refuses the file (Berth runs this check on demand and before a deployment, not
 * on every save, so a stored file Compose refuses never deploys: it is inert).
 */
export function composeConfig(composeYaml: string, cwd?: string, envFile?: string): any {
  const args = ['compose', '--project-name', 'berth-injection-check', '--file', '-']
  if (envFile) args.push('--env-file', envFile)
  const run = spawnSync('docker', [...args, 'config', '--format', 'json'], {
    cwd: cwd ?? tmpdir(),
    input: composeYaml,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
  })
  if (run.status !== 0) {
    assert.match(
      run.stderr,
      /yaml:|invalid|must be|unsupported|interpolating|validating/i,
      `docker compose config failed to run: ${run.stderr}`,
    )
    return null
  }
  return JSON.parse(run.stdout)
}

/** Fails if any hostile string ran in a shell or a traversal wrote a marker file near the data dir. */
export function assertNoMarkerFiles(dataDir: string): number {
  let looked = 0
  for (const dir of new Set(['/tmp', tmpdir(), dirname(dataDir), dataDir, process.cwd(), '/'])) {
    if (!existsSync(dir)) continue
    looked++
    const found = readdirSync(dir).filter((name) => name.startsWith(MARK))
    assert.deepEqual(found, [], `marker files in ${dir}: a hostile string reached a shell or a file path`)
  }
  return looked
}

/** Every entry under the data dir: plain names (no hostile characters), no symlinks leading elsewhere. */
export function assertDataDirClean(dataDir: string): string[] {
  const files: string[] = []
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      const rel = prefix ? `${prefix}/${name}` : name
      const stat = lstatSync(path)
      assert.ok(!stat.isSymbolicLink(), `${rel} is a symlink`)
      assert.match(name, /^[A-Za-z0-9._-]+$/, `a file name made of user text in the data dir: ${JSON.stringify(rel)}`)
      if (stat.isDirectory()) walk(path, rel)
      else files.push(rel)
    }
  }
  walk(dataDir, '')
  return files
}

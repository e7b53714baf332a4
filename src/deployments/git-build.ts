import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { composeBuilds, withBuiltImages, type ComposeBuild } from '../git-sources/compose-image.js'
import type { BuildSpec, GitSourcesService } from '../git-sources/git-sources.service.js'
import type { DockerHost } from '../servers/docker-host.js'
import { buildFile } from './build-file.js'
import { causeOf } from './compose-errors.js'
import { setGitBuild, type DeploymentRow } from './deployments.repo.js'
import { composeProjectName } from './resources.js'
import type { LogWriter } from './log-writer.js'
import { streamProcess } from './process-stream.js'

export type GitBuilder = Pick<GitSourcesService, 'buildSpecFor' | 'importBuild'>

type BuildRun = {
  db: Kysely<DB>
  dataDir: string
  git: GitBuilder
  d: DeploymentRow
  host: DockerHost
  log: LogWriter
  signal: AbortSignal
  cliEnv?: Record<string, string>
}

type BuildFailure = { ok: false; exitCode: number | null; message: string }
/** Where a service's repository is fetched to, kept between deployments (removed with the service). */
export const gitCacheDir = (dataDir: string, serviceId: string) => join(dataDir, 'git', serviceId)

export type BuildResult = { ok: true; version: number } | BuildFailure

/** The image a commit of a service is built into; rollbacks find it on the server by this name. */
export const imageOf = (serviceId: string, commit: string) => `berth/${serviceId}:${commit}`

/** The secrets a build must never show: they join the deployment's redactor. */
export function buildSecretValues(spec: BuildSpec): string[] {
  const auth = spec.auth.kind === 'ssh' ? [spec.auth.privateKey] : spec.auth.kind === 'token' ? [spec.auth.token] : []
  return [...auth, ...Object.values(spec.buildSecrets)]
}

/**
 * The Git part of a deployment: fetches the ref into the service's cache (shallow, kept in the
 * data dir so the next fetch only brings what changed), checks the commit out, then either builds
 * the Dockerfile into `berth/<service>:<commit>` or reads the repository's compose file, and writes
 * the result as a new compose version described with the commit. Every line goes into the log.
 */
export async function buildFromGit(run: BuildRun, spec: BuildSpec): Promise<BuildResult> {
  const { d, log, dataDir } = run
  const root = join(dataDir, 'git')
  const repo = gitCacheDir(dataDir, d.resource_id)
  mkdirSync(root, { recursive: true, mode: 0o700 })
  const keyFile = join(root, `${d.resource_id}.key`)
  const env = gitEnv(spec, keyFile, join(root, 'known_hosts'))
  try {
    const git = async (args: string[], show = true) => {
      if (show) log.append('berth', `$ git ${args.join(' ')}`)
      return streamProcess(
        () => spawn('git', args, { cwd: repo, env, shell: false, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }),
        { log, signal: run.signal, what: 'git' },
      )
    }
    if (!existsSync(join(repo, '.git'))) {
      mkdirSync(repo, { recursive: true })
      const init = await git(['init', '--quiet'], false)
      if (init.exitCode !== 0) return failed('git init', init)
    }
    const ref = d.git_ref!
    const fetch = await git(['fetch', '--depth', '1', '--no-tags', '--', spec.repoUrl, ref])
    if (fetch.exitCode !== 0) return failed('git fetch', fetch)
    const checkout = await git(['checkout', '--quiet', '--force', '--detach', 'FETCH_HEAD'])
    if (checkout.exitCode !== 0) return failed('git checkout', checkout)
    await git(['clean', '--quiet', '-ffdx'], false)
    const commit = await readCommit(repo, env)
    log.append('berth', `Commit ${commit.sha.slice(0, 12)} by ${commit.author}: ${commit.message}`)
    const context = join(repo, spec.baseDir)
    const image = spec.dockerfilePath ? imageOf(d.resource_id, commit.sha) : null
    await setGitBuild(run.db, d.id, { commit: commit.sha, message: commit.message, author: commit.author, image })
    const description = `Commit ${commit.sha.slice(0, 12)}: ${commit.message}`.slice(0, 500)
    if (image) {
      const buildFailure = await dockerBuild(run, spec, {
        service: spec.composeService,
        context: spec.baseDir,
        dockerfile: join(spec.baseDir, spec.dockerfilePath!),
        args: spec.buildArgs,
        target: null,
        image,
      })
      if (buildFailure) return buildFailure
      return { ok: true, version: await run.git.importBuild(d.team_id, d.resource_id, { image }, description) }
    }
    const composeFile = join(context, spec.composePath!)
    if (!existsSync(composeFile))
      return {
        ok: false,
        exitCode: null,
        message: `the repository has no ${join(spec.baseDir, spec.composePath!)} at ${commit.sha.slice(0, 12)}`,
      }
    const built = await buildComposeServices(run, spec, readFileSync(composeFile, 'utf8'), commit.sha)
    if (!built.ok) return built
    return {
      ok: true,
      version: await run.git.importBuild(d.team_id, d.resource_id, { composeYaml: built.yaml }, description),
    }
  } finally {
    rmSync(keyFile, { force: true })
  }
}

function failed(step: string, result: { exitCode: number | null; errorLines: readonly string[] }): BuildFailure {
  const cause = result.errorLines.filter((l) => /fatal|error/i.test(l)).at(-1) ?? causeOf(result.errorLines)
  return {
    ok: false,
    exitCode: result.exitCode,
    message: `${step} failed${cause ? `: ${cause.replace(/^fatal: /, '')}` : ''} (exited with code ${result.exitCode ?? 'none (killed)'})`,
  }
}

/** Git's environment: never prompt; the deploy key or the token as an HTTP header, never on the command line. */
function gitEnv(spec: BuildSpec, keyFile: string, knownHosts: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  }
  if (spec.auth.kind === 'ssh') {
    writeFileSync(keyFile, spec.auth.privateKey, { mode: 0o600 })
    // First contact pins the host key (like a user's first clone); a changed key fails later fetches.
    env.GIT_SSH_COMMAND = `ssh -i '${keyFile}' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile='${knownHosts}'`
  }
  if (spec.auth.kind === 'token') {
    env.GIT_CONFIG_COUNT = '1'
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader'
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${Buffer.from(`x-access-token:${spec.auth.token}`).toString('base64')}`
  }
  return env
}

async function readCommit(repo: string, env: Record<string, string>) {
  const out = await new Promise<string>((resolve, reject) =>
    execFile('git', ['log', '-1', '--format=%H%x00%an <%ae>%x00%s'], { cwd: repo, env }, (error, stdout) =>
      error ? reject(new Error(`git log failed: ${error.message}`)) : resolve(stdout),
    ),
  )
  const [sha = '', author = '', message = ''] = out.trim().split('\0')
  return { sha, author, message }
}

/**
 * The `build:` sections of a repository's compose file (see composeBuilds): each service is built
 * from the checkout with the file's build args and the service's own (which win), then the file
 * is rewritten to run the built images. A file without build sections is returned as it is.
 */
async function buildComposeServices(
  run: BuildRun,
  spec: BuildSpec,
  yaml: string,
  commit: string,
): Promise<{ ok: true; yaml: string } | BuildFailure> {
  let builds: ComposeBuild[]
  try {
    builds = composeBuilds(yaml, posix.dirname(posix.join(spec.baseDir, spec.composePath!)), run.d.resource_id, commit)
  } catch (error) {
    // composeBuilds explains what it refuses in a sentence meant for the deployment's message.
    return { ok: false, exitCode: null, message: (error as Error).message }
  }
  for (const build of builds) {
    run.log.append('berth', `Building service ${build.service} of the compose file`)
    const failure = await dockerBuild(run, spec, { ...build, args: { ...build.args, ...spec.buildArgs } })
    if (failure) return { ...failure, message: `service ${build.service}: ${failure.message}` }
  }
  if (builds.length === 0) return { ok: true, yaml }
  return { ok: true, yaml: withBuiltImages(yaml, Object.fromEntries(builds.map((b) => [b.service, b.image]))) }
}

/**
 * One build of a context of the checkout (paths relative to the repository root) on the server's
 * engine, tagged and labelled with the service: `docker compose build` of a one-service file (see
 * buildFile), so the engine's BuildKit builds it even where the CLI lacks the buildx plugin. Build
 * secrets are files mounted by `RUN --mount=type=secret`, never build arguments.
 */
async function dockerBuild(run: BuildRun, spec: BuildSpec, build: ComposeBuild): Promise<BuildFailure | null> {
  const { d, host, log } = run
  const repo = gitCacheDir(run.dataDir, d.resource_id)
  const secretNames = Object.keys(spec.buildSecrets)
  // Per run, 0700 under the data dir, removed whatever happens: the secret files and the file naming them.
  const dir = mkdtempSync(join(run.dataDir, 'git', 'build-'))
  try {
    const files: Record<string, string> = {}
    for (const name of secretNames) {
      files[name] = join(dir, `secret-${name}`)
      writeFileSync(files[name], spec.buildSecrets[name]!, { mode: 0o600 })
    }
    const absolute = { ...build, context: join(repo, build.context), dockerfile: join(repo, build.dockerfile) }
    const labels = { 'berth.service': d.resource_id }
    writeFileSync(join(dir, 'compose.json'), buildFile(absolute, files, labels), { mode: 0o600 })
    log.append(
      'berth',
      `$ docker compose build (BuildKit) --tag ${build.image} --file ${build.dockerfile}${build.target ? ` --target ${build.target}` : ''} ${build.context || '.'}${secretNames.map((n) => ` --secret ${n}`).join('')}`,
    )
    const args = ['--project-name', composeProjectName(d.resource_id), '--file', join(dir, 'compose.json')]
    args.push('--project-directory', dir, 'build', build.service)
    const result = await streamProcess(() => host.compose(args, { cwd: dir, env: run.cliEnv ?? {} }), {
      log,
      signal: run.signal,
      what: 'docker compose build',
    })
    if (result.exitCode !== 0) return failed('docker build', result)
    log.append('berth', `Built ${build.image}`)
    return null
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Removes every image built for a deleted service (found by the berth.service label each build
 * sets): nothing can roll back to them any more. Returns one line per image, for the removal's log;
 * an image that cannot be removed is reported there and does not fail the removal.
 */
export async function removeBuiltImages(host: DockerHost, serviceId: string): Promise<string[]> {
  const listed = await host.docker([
    'images',
    '--filter',
    `label=berth.service=${serviceId}`,
    '--format',
    '{{.ID}} {{.Repository}}:{{.Tag}}',
  ])
  if (listed.code !== 0) return [`could not list the images built for it: ${listed.stderr.trim()}`]
  const lines: string[] = []
  for (const [id, name] of listed.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ') as [string, string])) {
    // By name: one image built twice carries two tags, and removing it by id would then need --force.
    const removed = await host.docker(['rmi', name.includes('<none>') ? id : name])
    lines.push(
      removed.code === 0
        ? `removed the built image ${name}`
        : `could not remove the built image ${name}: ${removed.stderr.trim()}`,
    )
  }
  return lines
}

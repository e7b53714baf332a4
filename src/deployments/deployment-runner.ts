import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { createRedactor } from '../crypto/redact.js'
import type { DB, DeploymentStatus } from '../db/schema.js'
import type { EnvService } from '../env/env.service.js'
import { ensureNetwork, type DockerHost } from '../servers/docker-host.js'
import { findVersion } from '../compose/compose.repo.js'
import { markFinished, nextLogSeq, setComposeVersion, setProcessId, type DeploymentRow } from './deployments.repo.js'
import { createLogWriter, type LogWriter } from './log-writer.js'
import { causeOf } from './compose-errors.js'
import { streamProcess } from './process-stream.js'
import { loginSecrets, type RegistryLogin } from '../registries/docker-config.js'
import { withRegistryLogins } from './docker-config-dir.js'
import { buildFromGit, buildSecretValues, gitCacheDir, removeBuiltImages, type GitBuilder } from './git-build.js'
import { lastOutput, waitUntilHealthy } from './health-gate.js'
import {
  attachRoutedContainers,
  connectProxies,
  ensureProjectNetwork,
  networksOfProject,
  projectNetworksOn,
  removeDeletedProjectNetworks,
} from './attach-routed.js'
import { findTeamResource } from '../services/services.repo.js'
import { composeProjectName } from './resources.js'
import {
  attachToNetwork,
  removeWorkDir,
  renderEnvFile,
  workDirOf,
  writeWorkDir,
  type ProxyNetwork,
} from './work-dir.js'

export type StopReason = { kind: 'cancel'; by: string } | { kind: 'timeout' } | { kind: 'shutdown' }

export type RunnerDeps = {
  db: Kysely<DB>
  env: Pick<EnvService, 'valuesForRender'>
  hostFor(serverId: string): Promise<{ host: DockerHost; secrets: string[] }>
  proxyNetwork: ProxyNetwork
  dataDir: string
  onLogFlushed(deploymentId: string, lastSeq: number): void
  /** The compose file of an instance-level resource (the proxy a server runs; see proxy-runtime/). */
  instanceCompose(d: DeploymentRow): Promise<InstanceCompose>
  /** Called in the transaction that records a deployment's outcome (notifications queue their messages there). */
  onFinished?: FinishedHook
  /** Services built from Git (git-sources/): their build spec, and writing a build as a compose version. */
  git?: GitBuilder
  /** The team's private registry logins (registries/): pulls and builds of its deployments use them. */
  registryLogins?(teamId: string): Promise<RegistryLogin[]>
}

/** What the worker deploys for a resource that is not a team's: a stored compose file and its gate. */
export type InstanceCompose = { version: number; composeYaml: string; description: string; healthTimeoutMs: number }

/** What ended, as the hook that runs in the outcome's transaction sees it. */
export type FinishedDeployment = Pick<
  DeploymentRow,
  'id' | 'team_id' | 'resource_type' | 'resource_id' | 'resource_name' | 'server_name' | 'action'
>
export type FinishedHook = (
  trx: Kysely<DB>,
  deployment: FinishedDeployment,
  outcome: {
    status: Exclude<DeploymentStatus, 'queued' | 'in_progress'>
    /** Already redacted. */
    message: string
    /** The deployment's redactor, for any other text a listener adds. */
    redact(text: string): string
  },
) => Promise<void>

export type Outcome = {
  status: Exclude<DeploymentStatus, 'queued' | 'in_progress'>
  exitCode: number | null
  message: string
  /** The containers came up but did not turn healthy: what an automatic rollback answers. */
  unhealthy?: boolean
}

/** The compose commands for a deployment, without the common "-p NAME -f compose.yaml" prefix. */
export function composeSteps(
  d: Pick<DeploymentRow, 'action' | 'pull_latest_images' | 'stop_before_start' | 'remove_volumes'>,
): string[][] {
  if (d.action === 'stop') return [['stop']]
  if (d.action === 'remove')
    return [d.remove_volumes === 1 ? ['down', '--volumes', '--remove-orphans'] : ['down', '--remove-orphans']]
  const steps: string[][] = []
  if (d.action === 'restart' || d.stop_before_start === 1) steps.push(['down', '--remove-orphans'])
  if (d.pull_latest_images === 1) steps.push(['pull'])
  steps.push(['up', '-d', '--remove-orphans'])
  return steps
}

/** What every part of one deployment's run needs. */
type Run = {
  deps: RunnerDeps
  d: DeploymentRow
  host: DockerHost
  log: LogWriter
  signal: AbortSignal
  timeoutMs: number
  /** Added to the Docker CLI's environment for compose and builds (a DOCKER_CONFIG with registry logins). */
  cliEnv?: Record<string, string>
}

function stoppedOutcome(reason: StopReason, timeoutMs: number, exitCode: number | null): Outcome {
  if (reason.kind === 'cancel') return { status: 'cancelled-by-user', exitCode, message: `cancelled by ${reason.by}` }
  if (reason.kind === 'timeout')
    return {
      status: 'failed',
      exitCode,
      message: `timed out after ${Math.round(timeoutMs / 1000)} s; the compose process group was killed`,
    }
  return { status: 'failed', exitCode, message: 'interrupted: Berth shut down' }
}

/**
 * Runs one claimed deployment to its end and records the outcome: renders the work dir from the
 * database, runs the compose steps on the server's host, streams every line into the log (redacted
 * before storage) and ends with one line saying what happened. Never throws: any error becomes a
 * failed deployment whose last line says why.
 */
export async function runDeployment(
  deps: RunnerDeps,
  d: DeploymentRow,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Outcome> {
  const started = performance.now()
  let log: LogWriter | undefined
  let outcome: Outcome
  // The message is stored apart from the log (and shown in lists and notifications): it gets the same redaction.
  let redact = (text: string) => text
  const openLog = async (secrets: string[]) => {
    redact = createRedactor(secrets)
    return createLogWriter({
      db: deps.db,
      deploymentId: d.id,
      firstSeq: await nextLogSeq(deps.db, d.id),
      redact,
      onFlushed: (seq) => deps.onLogFlushed(d.id, seq),
    })
  }
  try {
    const { host, secrets } = await deps.hostFor(d.server_id)
    if (d.action === 'remove') {
      // The resource and its variables are gone; `down` prints names of containers, networks and volumes, never values.
      log = await openLog(secrets)
      outcome = await executeRemoval({ deps, d, host, log, signal, timeoutMs })
    } else if (d.resource_type === 'proxy') {
      log = await openLog(secrets)
      outcome = await executeInstance({ deps, d, host, log, signal, timeoutMs })
    } else if (d.action === 'attach') {
      log = await openLog(secrets)
      outcome = await executeAttach({ deps, d, host, log, signal, timeoutMs })
    } else {
      const values = await deps.env.valuesForRender(d.team_id, d.resource_id)
      // A Git deployment with no target version builds first; a rollback to an earlier build does not.
      const spec = d.git_ref && d.target_version == null ? await deps.git?.buildSpecFor(d.resource_id) : undefined
      const logins = (await deps.registryLogins?.(d.team_id)) ?? []
      const openedLog = await openLog([
        ...values.secrets,
        ...secrets,
        ...(spec ? buildSecretValues(spec) : []),
        ...loginSecrets(logins),
      ])
      log = openedLog
      if (logins.length > 0)
        openedLog.append('berth', `Pulling with the team's logins to ${logins.map((l) => l.host).join(', ')}`)
      outcome = await withRegistryLogins(deps.dataDir, d.id, logins, async (cliEnv) => {
        const run = { deps, d, host, log: openedLog, signal, timeoutMs, cliEnv }
        if (!spec) {
          if (d.git_ref && d.git_commit)
            openedLog.append('berth', `Redeploying the build of commit ${d.git_commit.slice(0, 12)} (no rebuild)`)
          return execute(run, values.env)
        }
        openedLog.append('berth', `Building ${d.resource_name} from ${spec.repoUrl} (${d.git_ref})`)
        const built = await buildFromGit({ ...run, db: deps.db, dataDir: deps.dataDir, git: deps.git! }, spec)
        if (signal.aborted) return stoppedOutcome(signal.reason as StopReason, timeoutMs, null)
        if (!built.ok) return { status: 'failed', exitCode: built.exitCode, message: built.message }
        return execute({ ...run, d: { ...d, target_version: built.version } }, values.env)
      })
    }
  } catch (error) {
    outcome = signal.aborted
      ? stoppedOutcome(signal.reason as StopReason, timeoutMs, null)
      : { status: 'failed', exitCode: null, message: `error: ${(error as Error).message}` }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const finalLine =
    outcome.status === 'finished'
      ? `Deployment finished in ${seconds} s: ${outcome.message}`
      : `Deployment ${outcome.status === 'failed' ? 'failed' : 'cancelled'} after ${seconds} s: ${outcome.message}`
  if (!log) log = await openLog([])
  log.append('berth', finalLine)
  try {
    await log.close()
  } finally {
    const message = redact(outcome.message)
    await deps.db.transaction().execute(async (trx) => {
      // Only the call that ended it reports it (a sibling may have recovered it first).
      if (await markFinished(trx, d.id, { ...outcome, message }))
        await deps.onFinished?.(trx, d, { status: outcome.status, message, redact })
    })
  }
  return outcome
}

async function execute(run: Run, env: Record<string, string>): Promise<Outcome> {
  const { deps, d, host, log } = run
  const resource = await findTeamResource(deps.db, d.team_id, d.resource_id)
  const version = await findVersion(deps.db, resource.id, d.target_version ?? resource.currentVersion)
  const project = composeProjectName(resource.id)
  if (d.rollback_of) log.append('berth', `Rolling back: deployment ${d.rollback_of} failed its health check`)
  log.append(
    'berth',
    `Starting ${d.action} of ${d.resource_type} ${d.resource_name} (compose version ${version.version}, project ${project}) on server ${d.server_name}`,
  )
  await setComposeVersion(deps.db, d.id, version.version)

  const attach = await deps.proxyNetwork.composeServicesToAttach(resource.id)
  const aliasFor = deps.proxyNetwork.aliasFor
  const network = deps.proxyNetwork.networkOf(resource.projectId)
  const composeYaml = attachToNetwork(
    version.rendered_yaml,
    network,
    attach,
    aliasFor && ((name) => aliasFor(resource.id, name)),
  )
  if (composeYaml !== version.rendered_yaml) {
    const made = await ensureProjectNetwork(host, network, resource.projectId)
    log.append(
      'berth',
      `Attaching ${attach.join(', ')} to the ${made === 'created' ? 'newly created ' : ''}network ${network}`,
    )
    for (const line of await connectProxies(host, [network])) log.append('berth', line)
  }
  const cwd = writeWorkDir(deps.dataDir, resource.id, { composeYaml, envFile: renderEnvFile(env) })
  log.append('berth', `Work dir ${cwd} (compose.yaml and .env with ${Object.keys(env).length} variables)`, true)

  const failed = await runSteps(run, { project, cwd })
  if (failed) return failed
  if (d.action === 'stop') return { status: 'finished', exitCode: 0, message: 'containers stopped' }
  return gateOnHealth(run, project, resource.healthTimeoutSeconds * 1000)
}

/**
 * An instance-level resource (the proxy of a server): its stored compose file, no variables and no
 * routes of its own; the same steps and the same health gate as a service.
 */
async function executeInstance(run: Run): Promise<Outcome> {
  const { deps, d, host, log } = run
  const compose = await deps.instanceCompose(d)
  const project = composeProjectName(d.resource_id)
  log.append(
    'berth',
    `Starting ${d.action} of ${compose.description} (version ${compose.version}, project ${project}) on server ${d.server_name}`,
  )
  await setComposeVersion(deps.db, d.id, compose.version)
  const made = await ensureNetwork(host, deps.proxyNetwork.name)
  if (made === 'created') log.append('berth', `Created the network ${deps.proxyNetwork.name}`)
  const cwd = writeWorkDir(deps.dataDir, d.resource_id, { composeYaml: compose.composeYaml, envFile: '' })
  log.append('berth', `Work dir ${cwd}`, true)
  const failed = await runSteps(run, { project, cwd })
  if (failed) return failed
  if (d.action === 'stop') return { status: 'finished', exitCode: 0, message: 'containers stopped' }
  const outcome = await gateOnHealth(run, project, compose.healthTimeoutMs)
  // A proxy that just started joins every project's network, so it reaches the routed services.
  if (outcome.status === 'finished')
    for (const line of await connectProxies(host, await projectNetworksOn(host, deps.proxyNetwork)))
      log.append('berth', line)
  return outcome
}

/** Runs the deployment's compose steps in order; the outcome of the first that fails or is stopped, null when all succeed. */
async function runSteps(run: Run, { project, cwd }: { project: string; cwd: string }): Promise<Outcome | null> {
  const { deps, d, host, log, signal, timeoutMs } = run
  for (const step of composeSteps(d)) {
    const args = ['--project-name', project, '--file', 'compose.yaml', '--env-file', '.env', ...step]
    log.append('berth', `$ docker compose ${args.join(' ')}`)
    if (host.dockerHost.startsWith('ssh://')) log.append('berth', `(DOCKER_HOST=${host.dockerHost})`, true)
    const { exitCode, errorLines } = await streamProcess(() => host.compose(args, { cwd, env: run.cliEnv ?? {} }), {
      log,
      signal,
      what: 'docker compose',
      onSpawn: (pid) => setProcessId(deps.db, d.id, pid),
    })
    if (signal.aborted) return stoppedOutcome(signal.reason as StopReason, timeoutMs, exitCode)
    if (exitCode !== 0) {
      const code = `exited with code ${exitCode ?? 'none (killed)'}`
      // An engine that stops mid-step leaves odd last words ("failed to update store ... open :"):
      // when the output names no cause, ask the engine whether it is still there.
      const cause = causeOf(errorLines) ?? ((await engineAnswers(host)) ? undefined : ENGINE_GONE)
      return {
        status: 'failed',
        exitCode,
        message: cause ? `docker compose ${step[0]} failed: ${cause} (${code})` : `docker compose ${step[0]} ${code}`,
      }
    }
  }
  return null
}

const ENGINE_GONE = 'the Docker engine stopped answering during the step'
const ENGINE_PROBE_TIMEOUT_MS = 5000

async function engineAnswers(host: DockerHost): Promise<boolean> {
  const probe = await host.docker(['version', '--format', '{{.Server.Version}}'], {
    timeoutMs: ENGINE_PROBE_TIMEOUT_MS,
  })
  return probe.code === 0
}

/**
 * After `up`: waits for the project's containers to be healthy or steadily running (see
 * health-gate.ts). A failure names the container and its state, and its last output goes into the
 * log (redacted like every line).
 */
async function gateOnHealth(run: Run, project: string, healthTimeoutMs: number): Promise<Outcome> {
  const { host, log, signal, timeoutMs } = run
  log.append('berth', `Waiting up to ${Math.round(healthTimeoutMs / 1000)} s for the containers to be healthy`)
  const gate = await waitUntilHealthy({
    host,
    project,
    timeoutMs: healthTimeoutMs,
    signal,
    onState: (line) => log.append('berth', line),
  })
  if (gate.kind === 'stopped') return stoppedOutcome(signal.reason as StopReason, timeoutMs, 0)
  if (gate.kind === 'healthy')
    return {
      status: 'finished',
      exitCode: 0,
      message:
        gate.containers === 0
          ? 'the compose file started no containers'
          : `${gate.containers} container${gate.containers === 1 ? ' is' : 's are'} up and healthy`,
    }
  const lines = await lastOutput(host, gate.containerId)
  log.append('berth', `${gate.message}; its last ${lines.length} lines of output:`)
  for (const line of lines) log.append(line.stream, line.text)
  return { status: 'failed', exitCode: 0, message: `health check failed: ${gate.message}`, unhealthy: true }
}

/** Connects a running service's routed containers to the proxy network (a route was added; see attach-routed.ts). */
async function executeAttach(run: Run): Promise<Outcome> {
  const { deps, d, host, log } = run
  const project = composeProjectName(d.resource_id)
  log.append(
    'berth',
    `Connecting the routed containers of ${d.resource_name} (project ${project}) to the proxy network`,
  )
  const resource = await findTeamResource(deps.db, d.team_id, d.resource_id)
  const message = await attachRoutedContainers({
    host,
    network: deps.proxyNetwork,
    serviceId: d.resource_id,
    projectId: resource.projectId,
    project,
    log: (line) => log.append('berth', line),
  })
  return { status: 'finished', exitCode: 0, message }
}

/**
 * Takes down what a deleted resource left on its server, with the compose file and .env of its
 * last deployment (its work dir): `down` removes the containers and networks, and with
 * `remove_volumes` the named volumes that file declares. Then the work dir goes too. A resource never deployed from this
 * Berth has no work dir and nothing to remove.
 */
async function executeRemoval(run: Run): Promise<Outcome> {
  const { deps, d, log } = run
  const project = composeProjectName(d.resource_id)
  const cwd = workDirOf(deps.dataDir, d.resource_id)
  const what =
    d.remove_volumes === 1 ? 'containers, networks and volumes' : 'containers and networks (named volumes are kept)'
  log.append(
    'berth',
    `Removing ${d.resource_type} ${d.resource_name} (project ${project}) from server ${d.server_name}: ${what}`,
  )
  if (!existsSync(join(cwd, 'compose.yaml')))
    return { status: 'finished', exitCode: null, message: 'nothing to remove: it was never deployed' }
  // Read before `down`: a route attached since the last deployment put its containers on a network its compose file does not name.
  const networks = await networksOfProject(run.host, project)
  const failed = await runSteps(run, { project, cwd })
  if (failed) return failed
  for (const line of await removeDeletedProjectNetworks(run.host, deps.proxyNetwork, networks))
    log.append('berth', line)
  if (d.resource_type === 'service')
    for (const line of await removeBuiltImages(run.host, d.resource_id)) log.append('berth', line)
  removeWorkDir(deps.dataDir, d.resource_id)
  rmSync(gitCacheDir(deps.dataDir, d.resource_id), { recursive: true, force: true })
  return { status: 'finished', exitCode: 0, message: `${what} removed` }
}

import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Kysely } from 'kysely'
import type { SecretCipher } from '../crypto/cipher.js'
import { createRedactor } from '../crypto/redact.js'
import { EngineError } from '../errors.js'
import type { DB, ResourceType } from '../db/schema.js'
import type { EnvService } from '../env/env.service.js'
import { assertContainerId, type DockerHost } from '../servers/docker-host.js'
import type { ServersService } from '../servers/servers.service.js'
import { findTeamResource } from '../services/services.repo.js'
import { composeProjectName } from './resources.js'

export type ContainerSummary = { id: string; name: string; service: string; state: string; status: string }
export type ResourceStatus = 'running' | 'unhealthy' | 'partially running' | 'exited' | 'restarting' | 'not deployed'

type PsLine = { ID: string; Names: string; State: string; Status: string; Labels: string }

const labelOf = (labels: string, name: string) =>
  new RegExp(`(?:^|,)${name.replace(/\./g, '\\.')}=([^,]*)`).exec(labels)?.[1]

/** `docker ps --all` of the containers with a label filter, with their Compose project label. */
async function listContainers(host: DockerHost, labelFilter: string) {
  const res = await host.docker([
    'ps',
    '--all',
    '--no-trunc',
    '--filter',
    `label=${labelFilter}`,
    '--format',
    '{{json .}}',
  ])
  if (res.code !== 0) throw new EngineError(`docker ps failed on ${host.dockerHost}`, res.stderr)
  return res.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as PsLine)
    .map((c) => ({
      project: labelOf(c.Labels, 'com.docker.compose.project') ?? '',
      container: {
        id: c.ID,
        name: c.Names,
        service: labelOf(c.Labels, 'com.docker.compose.service') ?? '',
        state: c.State,
        status: c.Status,
      } satisfies ContainerSummary,
    }))
    .sort((a, b) => a.container.name.localeCompare(b.container.name))
}

/** The containers of a Compose project, found by the label Compose puts on them. */
export async function containersOf(host: DockerHost, resourceId: string): Promise<ContainerSummary[]> {
  return (await listContainers(host, `com.docker.compose.project=${composeProjectName(resourceId)}`)).map(
    (c) => c.container,
  )
}

/** Every Compose container of a server by project: one engine call for an overview of many resources. */
export async function containersByProject(host: DockerHost): Promise<Map<string, ContainerSummary[]>> {
  const byProject = new Map<string, ContainerSummary[]>()
  for (const { project, container } of await listContainers(host, 'com.docker.compose.project'))
    byProject.set(project, [...(byProject.get(project) ?? []), container])
  return byProject
}

/** One word for a resource from its containers' states. */
export function resourceStatus(containers: ContainerSummary[]): ResourceStatus {
  if (containers.length === 0) return 'not deployed'
  const running = containers.filter((c) => c.state === 'running')
  if (running.some((c) => c.status.includes('(unhealthy)'))) return 'unhealthy'
  if (containers.some((c) => c.state === 'restarting')) return 'restarting'
  if (running.length === containers.length) return 'running'
  return running.length === 0 ? 'exited' : 'partially running'
}

/** The containers' own recent output, scrubbed of the resource's secrets like deployment logs are. */
export async function containerLogs({
  host,
  env,
  teamId,
  resourceId,
  lines,
  extraSecrets,
}: {
  host: DockerHost
  env: Pick<EnvService, 'valuesForRender'>
  teamId: string
  resourceId: string
  lines: number
  /** Secrets that are not the resource's own (the server's ssh key) and must not show either. */
  extraSecrets: string[]
}) {
  const { secrets } = await env.valuesForRender(teamId, resourceId)
  const redact = createRedactor([...secrets, ...extraSecrets])
  const containers = await containersOf(host, resourceId)
  const out = []
  for (const c of containers) {
    assertContainerId(c.id)
    const res = await host.docker(['logs', '--tail', String(lines), '--timestamps', c.id])
    if (res.code !== 0) throw new EngineError(`docker logs failed for container ${c.name}`, res.stderr)
    // docker logs replays the container's stdout on stdout and its stderr on stderr.
    const text = [res.stdout, res.stderr].filter((t) => t !== '').join('')
    const logLines = text
      .split('\n')
      .filter((l) => l !== '')
      .sort()
      .slice(-lines)
      .map(redact)
    out.push({ name: c.name, service: c.service, state: c.state, status: c.status, lines: logLines })
  }
  return { containers: out }
}

type Deps = {
  db: Kysely<DB>
  servers: Pick<ServersService, 'serverForResource' | 'hostOf'>
  env: Pick<EnvService, 'valuesForRender'>
  cipher: SecretCipher
}

export type ResourceRuntimeService = ReturnType<typeof createResourceRuntimeService>

/** What a deployed service or database is doing now on its server: its containers' states and their output. */
export function createResourceRuntimeService({ db, servers, env, cipher }: Deps) {
  async function status(teamId: string, id: string, type: ResourceType) {
    const resource = await findTeamResource(db, teamId, id, type)
    const server = await servers.serverForResource(db, resource.serverId)
    const containers = await containersOf(servers.hostOf(server), resource.id)
    return { uuid: resource.id, server_uuid: server.id, status: resourceStatus(containers), containers }
  }

  /** A resource's server, its host, and the secrets its output must not show (the server's ssh key). */
  async function placeOf(teamId: string, id: string, type: ResourceType) {
    const resource = await findTeamResource(db, teamId, id, type)
    const server = await servers.serverForResource(db, resource.serverId)
    const key = server.ssh_private_key ? [cipher.decrypt(server.ssh_private_key)] : []
    return { resource, server, key }
  }

  async function logs(teamId: string, id: string, type: ResourceType, lines: number) {
    const { resource, server, key } = await placeOf(teamId, id, type)
    return containerLogs({
      host: servers.hostOf(server),
      env,
      teamId,
      resourceId: resource.id,
      lines,
      extraSecrets: key,
    })
  }

  /** The running containers of a resource and the host they run on (to follow their stats, to open a terminal). */
  async function running(teamId: string, id: string, type: ResourceType) {
    const resource = await findTeamResource(db, teamId, id, type)
    const server = await servers.serverForResource(db, resource.serverId)
    const host = servers.hostOf(server)
    const containers = (await containersOf(host, resource.id)).filter((c) => c.state === 'running')
    return { host, serverId: server.id, resourceName: resource.name, containers }
  }

  /**
   * Follows the containers' output from now on: one `docker logs --follow` per container (the
   * engine's own stream, no polling), each line redacted like `logs`. The caller kills the processes.
   */
  async function followLogs(
    teamId: string,
    id: string,
    type: ResourceType,
    onLine: (container: string, line: string) => void,
  ): Promise<ChildProcess[]> {
    const { resource, server, key } = await placeOf(teamId, id, type)
    const { secrets } = await env.valuesForRender(teamId, resource.id)
    const redact = createRedactor([...secrets, ...key])
    const host = servers.hostOf(server)
    return (await containersOf(host, resource.id)).map((c) => {
      assertContainerId(c.id)
      const child = host.follow(['logs', '--follow', '--tail', '0', '--timestamps', c.id])
      // The engine replays the container's stdout on stdout and its stderr on stderr.
      for (const output of [child.stdout!, child.stderr!])
        createInterface({ input: output }).on('line', (line) => onLine(c.name, redact(line)))
      return child
    })
  }

  return { status, logs, running, followLogs }
}

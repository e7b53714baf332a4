import { PROJECT_NETWORK_LABEL, PROXY_LABEL } from '../proxy/network.js'
import { ensureNetwork, type DockerHost } from '../servers/docker-host.js'
import type { ProxyNetwork } from './work-dir.js'

type AttachOptions = {
  host: DockerHost
  network: ProxyNetwork
  serviceId: string
  /** The Berth project the service belongs to: its routed containers join that project's network. */
  projectId: string
  /** The service's Compose project name. */
  project: string
  log(line: string): void
}

async function dockerOrThrow(host: DockerHost, args: string[], what: string): Promise<string> {
  const result = await host.docker(args)
  if (result.code !== 0) throw new Error(`${what}: ${result.stderr.trim()}`)
  return result.stdout
}

/** The networks a container is on, by name. */
async function networksOf(host: DockerHost, containerId: string, what: string): Promise<string[]> {
  const json = await dockerOrThrow(
    host,
    ['container', 'inspect', '--format', '{{json .NetworkSettings.Networks}}', containerId],
    `could not inspect ${what}`,
  )
  return Object.keys(JSON.parse(json) as Record<string, unknown>)
}

/** Creates a project's network unless it exists, labelled so that a proxy starting later finds it. */
export function ensureProjectNetwork(host: DockerHost, name: string, projectId: string) {
  return ensureNetwork(host, name, { [PROJECT_NETWORK_LABEL]: projectId })
}

/** Every project network on the server, with the project id its label names. */
export async function listProjectNetworks(host: DockerHost): Promise<{ name: string; projectId: string }[]> {
  const out = await dockerOrThrow(
    host,
    [
      'network',
      'ls',
      '--filter',
      `label=${PROJECT_NETWORK_LABEL}`,
      '--format',
      `{{.Name}} {{.Label "${PROJECT_NETWORK_LABEL}"}}`,
    ],
    'could not list the project networks',
  )
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, projectId] = line.split(' ') as [string, string]
      return { name, projectId }
    })
}

/**
 * The networks of this Berth's projects on the server. Another instance's project networks on a
 * shared engine, or those of projects deleted while the server was away, are left out: a proxy
 * joined to them would reach services it does not route.
 */
export async function projectNetworksOn(host: DockerHost, network: Pick<ProxyNetwork, 'knownProjects'>) {
  const found = await listProjectNetworks(host)
  const known = await network.knownProjects(found.map((n) => n.projectId))
  return found
    .filter((n) => known.has(n.projectId))
    .map((n) => n.name)
    .sort()
}

/** The full ids of the server's running proxy containers (labelled `berth.proxy=true`). */
async function runningProxies(host: DockerHost): Promise<string[]> {
  const out = await dockerOrThrow(
    host,
    ['ps', '--quiet', '--no-trunc', '--filter', `label=${PROXY_LABEL}=true`],
    'could not list the proxy containers',
  )
  return out.split('\n').filter(Boolean)
}

/**
 * Connects every running proxy container of the server (labelled `berth.proxy=true`: the one Berth
 * runs, or one the operator runs and labels) to these networks where it is not on them yet, so it
 * reaches the routed services of each project. Returns one line per connection made.
 */
export async function connectProxies(
  host: DockerHost,
  networks: string[],
  /** Collect a failed connection in `failed` and go on with the others, instead of throwing at the first. */
  failed?: string[],
): Promise<string[]> {
  const proxies = await runningProxies(host)
  const made: string[] = []
  for (const proxy of proxies) {
    const inspected = await host.docker([
      'container',
      'inspect',
      '--format',
      '{{json .NetworkSettings.Networks}}',
      proxy,
    ])
    // Removed since it was listed (a proxy being recreated): its successor is connected when it starts.
    if (inspected.code !== 0 && NO_SUCH_CONTAINER.test(inspected.stderr)) continue
    if (inspected.code !== 0) throw new Error(`could not inspect a proxy container: ${inspected.stderr.trim()}`)
    const on = Object.keys(JSON.parse(inspected.stdout) as Record<string, unknown>)
    for (const network of networks.filter((n) => !on.includes(n))) {
      const connected = await host.docker(['network', 'connect', network, proxy])
      // Another deployment of the same project may connect it at the same moment: that is the wanted state.
      if (
        connected.code !== 0 &&
        !ALREADY_CONNECTED.test(connected.stderr) &&
        !NO_SUCH_CONTAINER.test(connected.stderr)
      ) {
        const problem = `could not connect the proxy to ${network}: ${connected.stderr.trim()}`
        if (!failed) throw new Error(problem)
        failed.push(problem)
      }
      if (connected.code === 0) made.push(`connected the proxy container ${proxy.slice(0, 12)} to ${network}`)
    }
  }
  return made
}

const NO_SUCH_CONTAINER = /No such container/i
const ALREADY_CONNECTED = /already exists in network/i

/**
 * Connects the running containers of a service's routed compose services to their project's
 * network (and the proxies to it), under the alias the proxy dials, without recreating them (`docker network connect`): what the
 * next deployment's compose file also declares. Containers already on the network are left alone.
 * Returns what it did, for the outcome message.
 */
export async function attachRoutedContainers({ host, network, serviceId, projectId, project, log }: AttachOptions) {
  const services = await network.composeServicesToAttach(serviceId)
  if (services.length === 0) return 'no active route targets this service'
  const networkName = network.networkOf(projectId)
  await ensureProjectNetwork(host, networkName, projectId)
  for (const line of await connectProxies(host, [networkName])) log(line)
  const connected: string[] = []
  let already = 0
  for (const service of services) {
    const ids = (
      await dockerOrThrow(
        host,
        [
          'ps',
          '--quiet',
          '--no-trunc',
          '--filter',
          `label=com.docker.compose.project=${project}`,
          '--filter',
          `label=com.docker.compose.service=${service}`,
        ],
        `could not list the containers of ${service}`,
      )
    )
      .split('\n')
      .filter(Boolean)
    if (ids.length === 0) log(`${service}: no running container (its next deployment attaches it)`)
    for (const id of ids) {
      if ((await networksOf(host, id, `a container of ${service}`)).includes(networkName)) {
        already++
        continue
      }
      const alias = network.aliasFor?.(serviceId, service)
      const args = ['network', 'connect', ...(alias ? ['--alias', alias] : []), networkName, id]
      log(`$ docker ${args.join(' ')}`)
      await dockerOrThrow(host, args, `could not connect ${service} to ${networkName}`)
      connected.push(service)
    }
  }
  if (connected.length === 0)
    return already > 0 ? `already on the network ${networkName}` : 'no running container to attach'
  return `${connected.length} container${connected.length === 1 ? '' : 's'} of ${[...new Set(connected)].join(', ')} attached to the network ${networkName}`
}

/** The networks the containers of a Compose project are on, by name (one inspect for them all). */
export async function networksOfProject(host: DockerHost, project: string): Promise<string[]> {
  const ids = (
    await dockerOrThrow(
      host,
      ['ps', '--all', '--quiet', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`],
      `could not list the containers of ${project}`,
    )
  )
    .split('\n')
    .filter(Boolean)
  if (ids.length === 0) return []
  const out = await dockerOrThrow(
    host,
    ['container', 'inspect', '--format', '{{json .NetworkSettings.Networks}}', ...ids],
    `could not inspect the containers of ${project}`,
  )
  const names = out
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => Object.keys(JSON.parse(line) as Record<string, unknown>))
  return [...new Set(names)].sort()
}

/**
 * After a removal: takes away the networks of projects this Berth no longer holds (the project was
 * deleted) once only proxies are left on them, disconnecting those first. A project that still
 * exists keeps its network, so a deployment of another of its services never finds it gone.
 * Returns one line per thing done or left, for the deployment log; a network it cannot remove is
 * reported there and does not fail the removal, whose containers are already gone.
 */
export async function removeDeletedProjectNetworks(
  host: DockerHost,
  network: Pick<ProxyNetwork, 'knownProjects'>,
  names: string[],
): Promise<string[]> {
  const lines: string[] = []
  for (const name of names) {
    const inspected = await host.docker(['network', 'inspect', '--format', '{{json .}}', name])
    if (inspected.code !== 0) {
      if (!NO_SUCH_NETWORK.test(inspected.stderr)) lines.push(`could not inspect ${name}: ${inspected.stderr.trim()}`)
      continue
    }
    const { Labels, Containers } = JSON.parse(inspected.stdout) as {
      Labels: Record<string, string> | null
      Containers: Record<string, unknown> | null
    }
    const projectId = Labels?.[PROJECT_NETWORK_LABEL]
    if (!projectId || (await network.knownProjects([projectId])).has(projectId)) continue
    const proxies = new Set(await runningProxies(host))
    const members = Object.keys(Containers ?? {})
    const others = members.filter((id) => !proxies.has(id))
    if (others.length > 0) {
      lines.push(`kept the network ${name}: ${others.length} other container(s) of its project are still on it`)
      continue
    }
    // A disconnect that fails leaves the proxy on the network: the removal below then says why.
    for (const proxy of members) await host.docker(['network', 'disconnect', '--force', name, proxy])
    const removed = await host.docker(['network', 'rm', name])
    if (removed.code === 0) lines.push(`removed the network ${name} of the deleted project`)
    else if (!NO_SUCH_NETWORK.test(removed.stderr))
      lines.push(`could not remove the network ${name}: ${removed.stderr.trim()}`)
  }
  return lines
}

const NO_SUCH_NETWORK = /No such network|not found/i

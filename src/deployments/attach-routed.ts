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

/** Every project network on the server (found by its label). */
export async function projectNetworksOn(host: DockerHost): Promise<string[]> {
  const out = await dockerOrThrow(
    host,
    ['network', 'ls', '--quiet', '--filter', `label=${PROJECT_NETWORK_LABEL}`, '--format', '{{.Name}}'],
    'could not list the project networks',
  )
  return out.split('\n').filter(Boolean).sort()
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
  const proxies = (
    await dockerOrThrow(
      host,
      ['ps', '--quiet', '--no-trunc', '--filter', `label=${PROXY_LABEL}=true`],
      'could not list the proxy containers',
    )
  )
    .split('\n')
    .filter(Boolean)
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

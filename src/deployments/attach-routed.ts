import { ensureNetwork, type DockerHost } from '../servers/docker-host.js'
import type { ProxyNetwork } from './work-dir.js'

type AttachOptions = {
  host: DockerHost
  network: ProxyNetwork
  serviceId: string
  project: string
  log(line: string): void
}

async function dockerOrThrow(host: DockerHost, args: string[], what: string): Promise<string> {
  const result = await host.docker(args)
  if (result.code !== 0) throw new Error(`${what}: ${result.stderr.trim()}`)
  return result.stdout
}

/**
 * Connects the running containers of a service's routed compose services to the proxy network,
 * under the alias the proxy dials, without recreating them (`docker network connect`): what the
 * next deployment's compose file also declares. Containers already on the network are left alone.
 * Returns what it did, for the outcome message.
 */
export async function attachRoutedContainers({ host, network, serviceId, project, log }: AttachOptions) {
  const services = await network.composeServicesToAttach(serviceId)
  if (services.length === 0) return 'no active route targets this service'
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
      const networks = JSON.parse(
        await dockerOrThrow(
          host,
          ['container', 'inspect', '--format', '{{json .NetworkSettings.Networks}}', id],
          `could not inspect a container of ${service}`,
        ),
      ) as Record<string, unknown>
      if (network.name in networks) {
        already++
        continue
      }
      if (connected.length === 0) await ensureNetwork(host, network.name)
      const alias = network.aliasFor?.(serviceId, service)
      const args = ['network', 'connect', ...(alias ? ['--alias', alias] : []), network.name, id]
      log(`$ docker ${args.join(' ')}`)
      await dockerOrThrow(host, args, `could not connect ${service} to ${network.name}`)
      connected.push(service)
    }
  }
  if (connected.length === 0)
    return already > 0 ? `already on the network ${network.name}` : 'no running container to attach'
  return `${connected.length} container${connected.length === 1 ? '' : 's'} of ${[...new Set(connected)].join(', ')} attached to the network ${network.name}`
}

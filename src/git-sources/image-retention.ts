import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { recentBuildCommits } from '../deployments/deployments.repo.js'
import type { DockerHost } from '../servers/docker-host.js'
import { listKeepImages } from './git-sources.repo.js'

type Deps = {
  db: Kysely<DB>
  /** The engine a service builds and runs on (its server's). */
  hostForService(serviceId: string): Promise<DockerHost>
}

/**
 * Removes the built images of each Git service except those of its latest N successful
 * deployments (N = keep_images): those are what a rollback redeploys without rebuilding. Images are
 * found by the berth.service label every build sets and tagged with their commit (a Dockerfile
 * build and every `build:` section of a compose file alike). An image a container still uses is not
 * forced out; it is reported and tried again next time.
 */
export async function pruneBuildImages({ db, hostForService }: Deps) {
  let removed = 0
  const refused: string[] = []
  for (const source of await listKeepImages(db)) {
    const keep = new Set(await recentBuildCommits(db, source.service_id, source.keep_images))
    const host = await hostForService(source.service_id)
    const listed = await host.docker([
      'images',
      '--filter',
      `label=berth.service=${source.service_id}`,
      '--format',
      '{{.Repository}}:{{.Tag}}',
    ])
    if (listed.code !== 0) {
      refused.push(`${source.service_id}: ${listed.stderr.trim()}`)
      continue
    }
    const stale = listed.stdout
      .split('\n')
      .filter((image) => image && !image.endsWith(':<none>') && !keep.has(image.slice(image.lastIndexOf(':') + 1)))
    for (const image of stale) {
      const rmi = await host.docker(['rmi', image])
      if (rmi.code === 0) removed++
      else refused.push(`${image}: ${rmi.stderr.trim()}`)
    }
  }
  return { removed, refused }
}

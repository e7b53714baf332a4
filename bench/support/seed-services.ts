// What the load and idle benches share: a Berth holding N services, each with a domain and a
// route, spread over 10 projects, seeded through its API.
import type { Api } from '../../test/support/cli.js'

export const SEED_PROJECTS = 10

export const benchCompose = (i: number, n: number) =>
  `services:\n  web:\n    image: nginx:1.27\n    environment:\n      REVISION: "${n}"\n    labels:\n      bench: "${i}"\n`

/** Seeds `count` services with a route each, 20 at a time; returns the projects' ids, and the services' with their routes'. */
export async function seedServices(api: Api, count: number) {
  const projects: string[] = []
  for (let p = 0; p < SEED_PROJECTS; p++)
    projects.push((await api('POST', '/projects', { name: `load-${p}` })).body.uuid)
  const services: { id: string; route: string }[] = []
  const seedOne = async (i: number) => {
    const project = projects[i % SEED_PROJECTS]!
    const created = await api('POST', `/projects/${project}/services`, {
      name: `svc-${i}`,
      compose: benchCompose(i, 0),
    })
    if (created.status !== 201) throw new Error(`seeding service ${i}: ${JSON.stringify(created.body)}`)
    const domain = await api('POST', `/projects/${project}/domains`, { domain: `svc-${i}.load.test`, tls: false })
    const route = await api('POST', `/domains/${domain.body.id}/routes`, {
      target: { service: created.body.uuid, compose_service: 'web', port: 80 },
    })
    if (route.status !== 201) throw new Error(`seeding route ${i}: ${JSON.stringify(route.body)}`)
    services.push({ id: created.body.uuid, route: route.body.id })
  }
  for (let i = 0; i < count; i += 20)
    await Promise.all(Array.from({ length: Math.min(20, count - i) }, (_, k) => seedOne(i + k)))
  return { projects, services }
}

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FIXTURE_PROJECT, FIXTURE_SETTINGS } from '../../../test/support/proxy-fixtures.js'
import { proxyPaths, type ProjectRouting } from '../proxy.model.js'
import { planTraefik, type PlanCache } from './proxy.plan.js'

const other: ProjectRouting = {
  ...FIXTURE_PROJECT,
  projectId: '00000000-0000-4000-8000-000000000002',
  projectName: 'blog',
}
const content = (plan: ReturnType<typeof planTraefik>, project: ProjectRouting) =>
  plan.files.get(proxyPaths.project(project.projectId))?.content

describe('full plans with a cache', () => {
  it('gives the same files as an uncached plan, and follows every change of a project or of the settings', () => {
    const cache: PlanCache = new Map()
    const first = planTraefik([FIXTURE_PROJECT, other], FIXTURE_SETTINGS, cache)
    assert.deepEqual(first, planTraefik([FIXTURE_PROJECT, other], FIXTURE_SETTINGS))
    assert.equal(cache.size, 2)

    const moved = structuredClone(FIXTURE_PROJECT)
    moved.domains[0]!.routes[0]!.path = '/moved'
    const second = planTraefik([moved, other], FIXTURE_SETTINGS, cache)
    assert.match(content(second, moved)!, /PathPrefix\(`\/moved`\)/)
    assert.equal(content(second, other), content(first, other))

    const noRedirect = { ...FIXTURE_SETTINGS, http_to_https_redirect: false }
    assert.equal(
      content(planTraefik([moved, other], noRedirect, cache), other),
      content(planTraefik([other], noRedirect), other),
    )
  })

  it('forgets projects that are gone', () => {
    const cache: PlanCache = new Map()
    planTraefik([FIXTURE_PROJECT, other], FIXTURE_SETTINGS, cache)
    planTraefik([other], FIXTURE_SETTINGS, cache)
    assert.deepEqual([...cache.keys()], [other.projectId])
  })
})

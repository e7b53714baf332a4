// kill -9 of `berth serve` at random moments while a driver keeps changing compose files,
// variables and routes and queueing deployments. After each kill: the database is intact
// (SQLite's integrity_check), every write the driver saw acknowledged is there, version histories
// have no gaps or duplicates; after each restart no deployment stays queued or running, no proxy
// temp file is left and a second sync writes nothing (the files match the database).
// BERTH_FAULT_KILLS sets the number of kills (10 by default, as in CI; `npm run test:faults` runs 50).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { after, describe, it } from 'node:test'
import { sql } from 'kysely'
import { openDatabase } from '../../src/db/connection.js'
import { composeProjectName } from '../../src/deployments/resources.js'
import { bearerApi, startServer, type Api } from '../support/cli.js'
import { leftovers, prepareServerDataDir } from '../support/server-setup.js'
import { TEST_DIALECT } from '../support/dialect.js'
import { TEST_IMAGE, requireDocker, waitFor } from '../support/docker.js'

const KILLS = Number(process.env.BERTH_FAULT_KILLS ?? 10)
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const compose = (n: number) =>
  `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n    labels:\n      write: "${n}"\n`

/** What the driver saw acknowledged (a 2xx answer): each must survive every kill. */
type Acknowledged = { versions: Map<number, string>; env: Map<string, string>; routes: Set<string> }

/** Runs the three writers until `stop` is set; a failed request (the kill) ends nothing but that request. */
async function drive(api: Api, ids: { service: string; domain: string }, ack: Acknowledged, stop: () => boolean) {
  let writes = 0
  const quietly = async (request: () => Promise<void>) => {
    try {
      await request()
    } catch {
      // The server was killed mid-request: not acknowledged, so nothing is expected of it.
    }
  }
  const composeWriter = async () => {
    let base = (await api('GET', `/services/${ids.service}/compose`)).body.version as number
    while (!stop())
      await quietly(async () => {
        const n = ++writes
        const res = await api('PUT', `/services/${ids.service}/compose`, { yaml: compose(n), base_version: base })
        if (res.status === 200) {
          ack.versions.set(res.body.version, sha256(compose(n)))
          base = res.body.version
        } else if (res.status === 409) base = (await api('GET', `/services/${ids.service}/compose`)).body.version
        else throw new Error(`compose update answered ${res.status}: ${JSON.stringify(res.body)}`)
      })
  }
  const envWriter = async () => {
    while (!stop())
      await quietly(async () => {
        const n = ++writes
        const res = await api('PUT', `/services/${ids.service}/env`, { [`KEY_${n}`]: { value: `value-${n}` } })
        if (res.status === 200) ack.env.set(`KEY_${n}`, `value-${n}`)
      })
  }
  const routeWriter = async () => {
    while (!stop())
      await quietly(async () => {
        const n = ++writes
        const res = await api('POST', `/domains/${ids.domain}/routes`, {
          target: { service: ids.service, compose_service: 'app', port: 80 },
          path: `/p${n}`,
        })
        if (res.status === 201) ack.routes.add(res.body.id)
        if (n % 7 === 0) await api('POST', '/deploy', { uuid: ids.service })
      })
  }
  await Promise.all([composeWriter(), envWriter(), routeWriter()])
}

describe('kill -9 while writing', () => {
  const made = leftovers()
  after(() => made.cleanUp())

  it(`survives ${KILLS} kills with every acknowledged write, whole histories and a drained queue`, {
    timeout: 60_000 + KILLS * 60_000,
  }, async (t) => {
    if (!(await requireDocker(t))) return
    const { env, config, token } = await prepareServerDataDir(made.dataDir('berth-faults-'), ['root', 'instance'])
    let server = await startServer(env)
    let api = bearerApi(server.url, token)
    const project = (await api('POST', '/projects', { name: 'faults' })).body.uuid
    const service = (await api('POST', `/projects/${project}/services`, { name: 'app', compose: compose(0) })).body.uuid
    made.project(composeProjectName(service))
    const domain = (await api('POST', `/projects/${project}/domains`, { domain: 'faults.test', tls_mode: 'none' })).body
      .id
    const ack: Acknowledged = { versions: new Map([[1, sha256(compose(0))]]), env: new Map(), routes: new Set() }

    for (let kill = 1; kill <= KILLS; kill++) {
      let stopped = false
      const driving = drive(api, { service, domain }, ack, () => stopped)
      // A random moment: anywhere from mid-first-request to well into a burst of writes.
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 1500))
      server.child.kill('SIGKILL')
      await new Promise((r) => server.child.once('close', r))
      stopped = true
      await driving

      // Offline: the database as the kill left it.
      const database = openDatabase(config.database)
      try {
        if (TEST_DIALECT === 'sqlite') {
          const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(database.db)
          assert.deepEqual(
            check.rows.map((r) => r.integrity_check),
            ['ok'],
            `integrity after kill ${kill}`,
          )
        }
        const versions = await database.db
          .selectFrom('compose_versions')
          .select(['version', 'sha256'])
          .where('service_id', '=', service)
          .orderBy('version')
          .execute()
        assert.deepEqual(
          versions.map((v) => v.version),
          versions.map((_, i) => i + 1),
          `no gaps or duplicates after kill ${kill}`,
        )
        const stored = new Map(versions.map((v) => [v.version, v.sha256]))
        for (const [version, hash] of ack.versions) assert.equal(stored.get(version), hash, `version ${version}`)
        const routes = new Set((await database.db.selectFrom('proxy_routes').select('id').execute()).map((r) => r.id))
        for (const id of ack.routes) assert.ok(routes.has(id), `acknowledged route ${id} after kill ${kill}`)
      } finally {
        await database.close()
      }

      server = await startServer(env)
      api = bearerApi(server.url, token)
      const variables = (await api('GET', `/services/${service}/env`)).body.env
      for (const [key, value] of ack.env) assert.equal(variables[key]?.value, value, `${key} after kill ${kill}`)
      await waitFor(
        `no deployment queued or running after restart ${kill}`,
        async () => (await api('GET', '/deployments')).body.count === 0,
        90_000,
      )
      const first = await api('POST', '/proxy/sync')
      assert.equal(first.status, 200, JSON.stringify(first.body))
      const again = await api('POST', '/proxy/sync')
      assert.deepEqual(again.body.files_written, [], `the files match the database after restart ${kill}`)
      const temps = readdirSync(config.proxyDir, { recursive: true }).filter((f) => String(f).endsWith('.tmp'))
      assert.deepEqual(temps, [], `no temp file left after restart ${kill}`)
    }
    await server.stop()
    t.diagnostic(
      `${KILLS} kills survived; checked ${ack.versions.size} compose versions, ${ack.env.size} variables, ${ack.routes.size} routes`,
    )
  })
})

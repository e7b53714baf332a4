// A Berth process that does nothing but change routes and sync, as fast as it can, until it is
// killed. test/proxy-crash.test.ts kills it with SIGKILL at random moments and then inspects the
// proxy directory. Usage: node --import tsx test/support/proxy-sync-child.ts DATA_DIR
// (DATABASE_URL in its environment points it at this pass's PostgreSQL database, as the parent's is).
import { buildApp } from '../../src/app.js'
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js'
import { loadConfig } from '../../src/config.js'

const dataDir = process.argv[2]!
const database = process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}
const app = await buildApp({ config: loadConfig({ BERTH_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...database }) })
let teamId: string
const existing = await app.db.selectFrom('teams').select('id').executeTakeFirst()
if (existing) teamId = existing.id
else
  teamId = (
    await app.users.create(
      { email: 'crash@example.com', password: 'correct-horse-battery', admin: true, teamName: 'Crash' },
      SYSTEM_ACTOR,
    )
  ).teamId

let route = await app.db.selectFrom('proxy_routes').select('id').orderBy('id').executeTakeFirst()
if (!route) {
  const project = await app.projects.create(teamId, { name: 'big' }, SYSTEM_ACTOR)
  // Big enough (about 200 routers) that a write takes long enough to be interrupted.
  for (let d = 0; d < 20; d++) {
    const domain = await app.domains.create(
      teamId,
      project.id,
      { domain: `d${d}.crash.test`, tls: false, active: true },
      SYSTEM_ACTOR,
    )
    for (let r = 0; r < 10; r++)
      await app.routes.create(
        teamId,
        domain.id,
        {
          target: { url: `http://10.0.${d}.${r}:8080` },
          path: `/p${r}`,
          path_match: 'prefix',
          priority: null,
          middlewares: [],
          health_check: null,
          active: true,
        },
        SYSTEM_ACTOR,
      )
  }
  route = await app.db.selectFrom('proxy_routes').select('id').orderBy('id').executeTakeFirstOrThrow()
}

await app.proxySync.runNow()
process.stdout.write('ready\n')
for (let i = 0; ; i++) {
  await app.routes.update(teamId, route.id, { path: `/changed-${i}` }, SYSTEM_ACTOR)
  const run = await app.proxySync.runNow()
  if (run.error) throw new Error(run.error)
}

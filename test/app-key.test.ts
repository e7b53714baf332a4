import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { buildApp } from '../src/app.js'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { loadConfig } from '../src/config.js'
import { databaseEnvFor, dropTestDatabase } from './support/dialect.js'

describe('the app key', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-app-key-'))
  after(async () => {
    await dropTestDatabase(dataDir)
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('refuses to start with another key than the one the stored secrets were encrypted with, and changes nothing', async () => {
    const env = { BERTH_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(await databaseEnvFor(dataDir)) }
    const first = await buildApp({ config: loadConfig(env) })
    const user = await first.users.create(
      { email: 'keys@example.com', password: 'correct-horse-battery', admin: true, teamName: 'Default' },
      SYSTEM_ACTOR,
    )
    const project = await first.projects.create(user.teamId, { name: 'keys' }, { ...SYSTEM_ACTOR, teamId: user.teamId })
    const service = await first.services.create(
      user.teamId,
      project.id,
      { name: 'web', compose: 'services:\n  web:\n    image: nginx\n' },
      { ...SYSTEM_ACTOR, teamId: user.teamId },
    )
    await first.env.put(
      user.teamId,
      service.id,
      { TOKEN: { value: 'hunter2-secret', secret: true } },
      { ...SYSTEM_ACTOR, teamId: user.teamId },
    )
    await first.close()

    await assert.rejects(
      buildApp({ config: loadConfig({ ...env, BERTH_APP_KEY: randomBytes(32).toString('base64') }) }),
      (error: Error) => {
        assert.match(error.message, /BERTH_APP_KEY is not the app key this database's secrets were encrypted with/)
        assert.doesNotMatch(error.message, /hunter2/)
        return true
      },
    )

    const again = await buildApp({ config: loadConfig(env) })
    try {
      const values = await again.env.valuesForRender(user.teamId, service.id)
      assert.equal(values.env.TOKEN, 'hunter2-secret', 'the original key still reads the secret')
    } finally {
      await again.close()
    }
  })
})

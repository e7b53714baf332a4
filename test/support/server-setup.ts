import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../../src/app.js'
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js'
import type { Ability } from '../../src/auth/principal.js'
import { loadConfig, type Config } from '../../src/config.js'
import { databaseEnvFor, dropTestDatabase } from './dialect.js'
import { removeProject } from './docker.js'

/**
 * A data dir for a real `berth serve` process (SQLite in it, or this pass's PostgreSQL database),
 * with an instance administrator and a token with `abilities` made before the server starts.
 */
export async function prepareServerDataDir(
  dataDir: string,
  abilities: Ability[],
  extraEnv: Record<string, string> = {},
): Promise<{ env: Record<string, string>; config: Config; token: string }> {
  const env = { BERTH_DATA_DIR: dataDir, ...(await databaseEnvFor(dataDir)), ...extraEnv }
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' })
  const setup = await buildApp({ config })
  try {
    const user = await setup.users.create(
      { email: 'operator@example.com', password: 'correct-horse-battery', admin: true, teamName: 'Default' },
      SYSTEM_ACTOR,
    )
    const created = await setup.tokens.create(
      { userId: user.id, teamId: user.teamId, abilities: new Set(abilities) },
      { name: 'operator', abilities },
      SYSTEM_ACTOR,
    )
    return { env, config, token: created.token }
  } finally {
    await setup.close()
  }
}

/** Temporary data dirs and compose projects a test made, removed (and their databases dropped) by `cleanUp`. */
export function leftovers() {
  const dataDirs: string[] = []
  const projects: string[] = []
  return {
    dataDir(prefix: string): string {
      const dir = mkdtempSync(join(tmpdir(), prefix))
      dataDirs.push(dir)
      return dir
    },
    project(name: string) {
      if (!projects.includes(name)) projects.push(name)
    },
    async cleanUp() {
      for (const p of projects) await removeProject(p)
      for (const d of dataDirs) {
        await dropTestDatabase(d)
        rmSync(d, { recursive: true, force: true })
      }
    },
  }
}

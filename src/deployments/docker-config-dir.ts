import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderDockerConfig, type RegistryLogin } from '../registries/docker-config.js'

/**
 * Runs `fn` with a Docker CLI environment logged in to the team's registries: a DOCKER_CONFIG
 * directory of this deployment (0700, its config.json 0600) under the data dir, removed when `fn`
 * ends however it ends. The CLI reads the logins from the file, so no password is on a command
 * line; over ssh:// the CLI sends them to the remote engine with each pull. No logins, no directory.
 */
export async function withRegistryLogins<T>(
  dataDir: string,
  deploymentId: string,
  logins: readonly RegistryLogin[],
  fn: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  if (logins.length === 0) return fn({})
  const root = join(dataDir, 'docker-config')
  mkdirSync(root, { recursive: true, mode: 0o700 })
  const dir = join(root, deploymentId)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  try {
    writeFileSync(join(dir, 'config.json'), renderDockerConfig(logins), { mode: 0o600 })
    return await fn({ DOCKER_CONFIG: dir })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

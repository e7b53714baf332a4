/** One registry login, decrypted: only the deployment worker holds these, and only for one run. */
export type RegistryLogin = { host: string; username: string; password: string }

// Docker Hub's logins are keyed by its index URL, not by the host images name.
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/'
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io'])

/**
 * The config.json of a Docker CLI that is logged in to these registries (what `docker login`
 * writes without a credential helper). It goes into a private DOCKER_CONFIG directory, so no
 * password is ever on a command line.
 */
export function renderDockerConfig(logins: readonly RegistryLogin[]): string {
  const auths: Record<string, { auth: string }> = {}
  for (const login of [...logins].sort((a, b) => a.host.localeCompare(b.host)))
    auths[DOCKER_HUB_HOSTS.has(login.host) ? DOCKER_HUB_KEY : login.host] = {
      auth: Buffer.from(`${login.username}:${login.password}`).toString('base64'),
    }
  return `${JSON.stringify({ auths }, null, 2)}\n`
}

/** The texts that would give a password away if a log line held them: it and its base64 form. */
export function loginSecrets(logins: readonly RegistryLogin[]): string[] {
  return logins.flatMap((l) => [l.password, Buffer.from(`${l.username}:${l.password}`).toString('base64')])
}

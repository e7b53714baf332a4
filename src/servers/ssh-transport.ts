import { randomBytes } from 'node:crypto'
import { accessSync, chmodSync, constants, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'

export type SshTransport = { dir: string; binDir: string }

function findSshBinary(): string {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir, 'ssh')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // Not in this PATH entry; try the next one.
    }
  }
  throw new Error('the ssh client is not installed (Debian package openssh-client): it is needed for ssh:// servers')
}

const SAFE_PATH = /^[A-Za-z0-9_./-]+$/

/**
 * Docker's CLI reaches ssh:// engines by running `ssh`. It has no flag for an identity file, so
 * the server gets a private directory holding its key, an ssh config and an `ssh` wrapper that
 * passes that config; the wrapper's directory goes first on the CLI's PATH. Written from the
 * database (the single source of truth) on each use where they differ, never edited in place.
 */
export function prepareSshTransport(dataDir: string, serverId: string, privateKey: string | null): SshTransport {
  if (!privateKey) throw new Error(`Server ${serverId} uses ssh:// but has no private key`)
  const dir = join(dataDir, 'ssh', serverId)
  // The paths land in a shell script and an ssh config: refuse anything that would need quoting.
  if (!SAFE_PATH.test(dir))
    throw new Error(`the data directory path ${dataDir} contains characters ssh transport files cannot use`)
  const binDir = join(dir, 'bin')
  mkdirSync(binDir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  const keyFile = join(dir, 'id_key')
  writePrivateFile(keyFile, privateKey.endsWith('\n') ? privateKey : `${privateKey}\n`)
  const config = [
    'Host *',
    `  IdentityFile ${keyFile}`,
    '  IdentitiesOnly yes',
    '  BatchMode yes',
    '  ConnectTimeout 10',
    '  ServerAliveInterval 15',
    // Trust on first use, then pin: the host key is remembered per server.
    '  StrictHostKeyChecking accept-new',
    `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
    '',
  ].join('\n')
  writePrivateFile(join(dir, 'ssh_config'), config)
  writePrivateFile(
    join(binDir, 'ssh'),
    `#!/bin/sh\nexec ${findSshBinary()} -F ${join(dir, 'ssh_config')} "$@"\n`,
    0o700,
  )
  return { dir, binDir }
}

/**
 * Writes a file only its owner may read, unless it already holds this content. Docker commands of
 * the same server run at the same time (a deployment, the monitor, the engine-event watcher), each
 * preparing the transport: rewriting the wrapper in place while another command starts it fails
 * that start with "Text file busy", or hands sh a truncated script. A new file renamed over the old one
 * never does: a running wrapper keeps the old one.
 */
function writePrivateFile(path: string, content: string, mode = 0o600) {
  try {
    if (readFileSync(path, 'utf8') === content) return chmodSync(path, mode)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const temporary = `${path}.${randomBytes(6).toString('hex')}`
  writeFileSync(temporary, content, { mode })
  chmodSync(temporary, mode)
  renameSync(temporary, path)
}

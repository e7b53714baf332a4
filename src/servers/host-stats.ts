import { readFile, statfs } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import type { CommandResult } from './docker-host.js'

export type HostDisk = { free_bytes: number; total_bytes: number }
export type HostLoad = { one: number; five: number; fifteen: number; cpus: number }
/** The disk under an engine's data directory and the load of the machine it runs on; null: unknown. */
export type HostStats = { disk: HostDisk | null; load: HostLoad | null }

/** A data directory that can go into a remote shell command as it is (no quoting needed). */
const PLAIN_PATH = /^\/[A-Za-z0-9_./-]{0,4095}$/
const SSH_TIMEOUT_MS = 20_000

/**
 * A local engine's machine is the one Berth runs on: statfs of the data directory and
 * /proc/loadavg, no command run.
 */
export async function localHostStats(rootDir: string | undefined): Promise<HostStats> {
  return { disk: rootDir ? await localDisk(rootDir) : null, load: await localLoad() }
}

async function localDisk(rootDir: string): Promise<HostDisk | null> {
  try {
    const fs = await statfs(rootDir)
    return { free_bytes: fs.bavail * fs.bsize, total_bytes: fs.blocks * fs.bsize }
  } catch (error) {
    // Berth in a container without the engine's directory mounted, or not allowed to read it: unknown.
    if (['ENOENT', 'EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) return null
    throw error
  }
}

async function localLoad(): Promise<HostLoad | null> {
  const text = await readFile('/proc/loadavg', 'utf8').catch((error: NodeJS.ErrnoException) => {
    // Not Linux, or /proc not mounted: unknown rather than a failed check.
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  return text === undefined ? null : parseLoad(text, availableParallelism())
}

/**
 * A remote engine's machine, reached by `ssh` the way the Docker CLI reaches the engine (`ssh` is
 * given the engine's ssh:// URL as it stands): one `df -P` of the data directory and /proc/loadavg.
 * Docker's ssh transport already runs a command there (`docker system dial-stdio`), so any server
 * Berth deploys to lets it run these POSIX tools too; no image or container is needed (a helper
 * container would need an image with df on every server, and each check would show up in the
 * engine's events, which Berth follows).
 */
export async function remoteHostStats(
  ssh: (args: string[], timeoutMs: number) => Promise<CommandResult>,
  dockerHost: string,
  rootDir: string | undefined,
): Promise<HostStats> {
  const disk = rootDir && PLAIN_PATH.test(rootDir) ? `LC_ALL=C df -P -k ${rootDir}` : 'true'
  const command = `${disk}; echo @load; cat /proc/loadavg; getconf _NPROCESSORS_ONLN`
  // Whatever part answered counts, whatever the exit: a host without /proc still tells its disk,
  // and nothing parsed is unknown.
  return parseRemoteStats((await ssh(['--', dockerHost, command], SSH_TIMEOUT_MS)).stdout)
}

/** The output of remoteHostStats' command: df's data line, then `@load`, /proc/loadavg and the CPU count. */
export function parseRemoteStats(stdout: string): HostStats {
  const [dfPart = '', loadPart = ''] = stdout.split(/^@load$/m)
  const row = dfPart
    .trim()
    .split('\n')
    .at(-1)
    ?.match(/\s(\d+)\s+\d+\s+(\d+)\s+\d+%\s+\//)
  const disk = row ? { total_bytes: Number(row[1]) * 1024, free_bytes: Number(row[2]) * 1024 } : null
  const [loadavg = '', cpus = ''] = loadPart.trim().split('\n')
  return { disk, load: /^\d+$/.test(cpus.trim()) ? parseLoad(loadavg, Number(cpus)) : null }
}

function parseLoad(text: string, cpus: number): HostLoad | null {
  const [one, five, fifteen] = text.trim().split(/\s+/).map(Number)
  if (one === undefined || five === undefined || fifteen === undefined || [one, five, fifteen].some(Number.isNaN))
    return null
  return { one, five, fifteen, cpus }
}

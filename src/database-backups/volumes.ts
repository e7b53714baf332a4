import { composeProjectName } from '../deployments/resources.js'
import type { DockerHost } from '../servers/docker-host.js'

/** A compose volume's name as the compose file writes it. */
export const VOLUME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/
const MOUNT = '/berth-volume'

// Unpacks beside the data first, so a broken archive changes nothing; only then replaces the
// volume's content with it.
const RESTORE = `set -eu
cd ${MOUNT}
rm -rf .berth-restore
mkdir .berth-restore
if ! tar -C .berth-restore -xf -; then rm -rf .berth-restore; echo "the archive could not be unpacked" >&2; exit 1; fi
find . -mindepth 1 -maxdepth 1 ! -name .berth-restore -exec rm -rf {} +
cd .berth-restore
find . -mindepth 1 -maxdepth 1 -exec mv {} .. \\;
cd ..
rmdir .berth-restore`

/** The engine's name of a compose service's named volume (Compose prefixes it with the project). */
export function engineVolumeName(serviceId: string, volume: string): string {
  return `${composeProjectName(serviceId)}_${volume}`
}

/**
 * `docker run` of the short-lived helper that streams a volume as a tar archive (read-only mount)
 * or replaces its content with one read on stdin; `image` is one the server has, with sh, tar and find.
 */
export function volumeHelperArgs(volumeName: string, image: string, mode: 'dump' | 'restore'): string[] {
  return [
    'run',
    '--rm',
    ...(mode === 'restore' ? ['-i'] : []),
    '--network',
    'none',
    '--label',
    'berth.helper=database-backups',
    '-v',
    `${volumeName}:${MOUNT}${mode === 'dump' ? ':ro' : ''}`,
    '--entrypoint',
    'sh',
    image,
    '-c',
    mode === 'dump' ? `cd ${MOUNT} && tar -cf - .` : RESTORE,
  ]
}

/** Whether the engine has the volume. */
export async function volumeExists(host: DockerHost, volumeName: string): Promise<boolean> {
  return (await host.docker(['volume', 'inspect', volumeName])).code === 0
}

/** The running containers that use a volume (stopped around a restore, started again after). */
export async function containersUsing(host: DockerHost, volumeName: string): Promise<string[]> {
  const res = await host.docker(['ps', '-q', '--filter', `volume=${volumeName}`])
  if (res.code !== 0) throw new Error(`listing the containers of volume ${volumeName} failed: ${res.stderr.trim()}`)
  return res.stdout.split('\n').filter((id) => id !== '')
}

/** The compose names of a compose project's volumes on the engine (Compose labels each it creates). */
export async function projectVolumes(host: DockerHost, serviceId: string): Promise<string[]> {
  const res = await host.docker([
    'volume',
    'ls',
    '--filter',
    `label=com.docker.compose.project=${composeProjectName(serviceId)}`,
    '--format',
    '{{.Label "com.docker.compose.volume"}}',
  ])
  if (res.code !== 0) throw new Error(`listing the volumes failed: ${res.stderr.trim()}`)
  return res.stdout
    .split('\n')
    .filter((name) => name !== '')
    .sort()
}

import type { ChildProcess } from 'node:child_process'
import { PassThrough, type Readable } from 'node:stream'
import type { S3Client } from '@aws-sdk/client-s3'
import type { DockerHost } from '../servers/docker-host.js'
import { nowIso } from '../db/time.js'
import type { DirectoryConfig, S3Config } from './destinations.js'

/** A run's artifact keys: a folder (what is backed up), then a sortable time stamp and the run's id. */
export function artifactKeysOf(folder: string, runId: string, encrypted: boolean) {
  const stamp = nowIso()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return (extension: string) => `${folder}/${stamp}-${runId.slice(0, 8)}.${extension}${encrypted ? '.enc' : ''}`
}

/**
 * Where artifacts are kept, by key (a relative path of safe characters, see artifactKey). `put`
 * consumes the stream and resolves once the store holds all of it; `get` streams it back.
 */
export interface ArtifactStore {
  /** What the log says the destination is (never a secret). */
  readonly describe: string
  put(key: string, body: Readable): Promise<void>
  get(key: string): Promise<Readable>
  delete(key: string): Promise<void>
}

const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,900}$/

function assertArtifactKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.includes('..')) throw new Error(`"${key}" is not a valid artifact key`)
}

function joinPrefix(prefix: string, key: string): string {
  const p = prefix.replace(/^\/+|\/+$/g, '')
  return p === '' ? key : `${p}/${key}`
}

/** The AWS SDK (~10 MiB of memory) loads at the first use of an S3 destination, not at every start of Berth. */
const loadSdk = async () => ({ ...(await import('@aws-sdk/client-s3')), ...(await import('@aws-sdk/lib-storage')) })

/** S3 and S3-compatible servers (MinIO, s3rver, ...); path-style for servers without virtual hosts. */
export function s3Store(config: S3Config, secretAccessKey: string): ArtifactStore {
  let connected: Promise<{ client: S3Client; sdk: Awaited<ReturnType<typeof loadSdk>> }> | undefined
  const connect = () => {
    connected ??= loadSdk().then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        endpoint: config.endpoint,
        region: config.region,
        forcePathStyle: config.path_style,
        credentials: { accessKeyId: config.access_key_id, secretAccessKey },
        // A dead endpoint fails the run promptly instead of after the SDK's long default retries.
        maxAttempts: 2,
      }),
    }))
    return connected
  }
  const Bucket = config.bucket
  return {
    describe: `s3 bucket ${config.bucket} at ${config.endpoint ?? 'AWS'}`,
    async put(key, body) {
      assertArtifactKey(key)
      const { client, sdk } = await connect()
      // Multipart with bounded part buffers (queueSize x partSize): memory stays flat however big the dump.
      await new sdk.Upload({
        client,
        params: { Bucket, Key: joinPrefix(config.prefix, key), Body: body },
        queueSize: 2,
        partSize: 8 * 1024 * 1024,
      }).done()
    },
    async get(key) {
      assertArtifactKey(key)
      const { client, sdk } = await connect()
      const out = await client.send(new sdk.GetObjectCommand({ Bucket, Key: joinPrefix(config.prefix, key) }))
      if (!out.Body) throw new Error(`the object ${key} has no body`)
      return out.Body as Readable
    },
    async delete(key) {
      assertArtifactKey(key)
      const { client, sdk } = await connect()
      await client.send(new sdk.DeleteObjectCommand({ Bucket, Key: joinPrefix(config.prefix, key) }))
    },
  }
}

/**
 * A directory on a server, reached through a short-lived helper container (the configured image,
 * which must have sh, cat, mkdir and rm) with the directory bind-mounted: the same engine
 * transport as deployments, so a directory on an ssh:// server works too.
 */
export function directoryStore(config: DirectoryConfig, host: DockerHost): ArtifactStore {
  const mount = '/berth-backups'
  const helper = (script: string, key: string, stdin: boolean) =>
    host.stream(
      [
        'run',
        '--rm',
        ...(stdin ? ['-i'] : []),
        '--network',
        'none',
        '--label',
        'berth.helper=database-backups',
        '-v',
        `${config.path}:${mount}`,
        '--entrypoint',
        'sh',
        config.helper_image,
        '-c',
        script,
        'sh',
        `${mount}/${key}`,
      ],
      { stdin },
    )
  return {
    describe: `directory ${config.path}`,
    async put(key, body) {
      assertArtifactKey(key)
      const child = helper('mkdir -p "$(dirname "$1")" && cat > "$1.part" && mv "$1.part" "$1"', key, true)
      body.on('error', (error) => child.stdin?.destroy(error))
      body.pipe(child.stdin!)
      await finished(child, 'writing')
    },
    async get(key) {
      assertArtifactKey(key)
      const child = helper('cat "$1"', key, false)
      const out = new PassThrough()
      child.stdout!.pipe(out, { end: false })
      finished(child, 'reading').then(
        () => out.end(),
        (error: unknown) => out.destroy(error as Error),
      )
      return out
    },
    async delete(key) {
      assertArtifactKey(key)
      await finished(helper('rm -f "$1"', key, false), 'deleting')
    },
  }
}

/** Resolves when the helper exits 0; rejects with its stderr otherwise. */
function finished(child: ChildProcess, what: string): Promise<void> {
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    if (stderr.length < 4096) stderr += c.toString()
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${what} failed (exit ${code}): ${stderr.trim() || 'no output'}`)),
    )
  })
}

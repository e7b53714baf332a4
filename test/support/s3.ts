import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'
import { freePort } from './docker.js'

/**
 * A key pair registered with s3rver's one account (it knows only S3RVER/S3RVER otherwise), so the
 * secret is a distinct, planted value the tests can look for. s3rver checks the access key id;
 * it does not verify SigV4 signatures, so a wrong secret key cannot be detected with it.
 */
export const S3_ACCESS_KEY = 'berth-test-access'
export const S3_SECRET_KEY = 'planted-s3-secret-0c4f9e2b7d'
createRequire(import.meta.url)('s3rver/lib/models/account.js').DUMMY_ACCOUNT.createKeyPair(S3_ACCESS_KEY, S3_SECRET_KEY)
export const S3_BUCKET = 'berth-backups'

/** A real S3-compatible server (s3rver) on a free port, with one bucket, its data in a temp dir. */
export async function startS3() {
  const directory = mkdtempSync(join(tmpdir(), 'berth-s3-'))
  const port = await freePort()
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: [{ name: S3_BUCKET }],
  })
  await server.run()
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    /** The destination body for this server (path-style: s3rver has no virtual hosts). */
    destination: (name: string, extra: Record<string, unknown> = {}) => ({
      kind: 's3',
      name,
      s3: {
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        bucket: S3_BUCKET,
        prefix: 'team-a/backups',
        path_style: true,
        access_key_id: S3_ACCESS_KEY,
        ...extra,
      },
      secret_access_key: S3_SECRET_KEY,
    }),
    async close() {
      await server.close()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

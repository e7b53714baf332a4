import { randomBytes } from 'node:crypto'
import { z } from 'zod'

// The non-secret settings of each destination kind, stored as JSON in db_backup_destinations.config.

export const s3Config = z.object({
  endpoint: z
    .string()
    .max(2048)
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'Must be an http:// or https:// URL')
    .optional()
    .describe('The S3-compatible endpoint; left out for AWS S3 itself'),
  region: z.string().min(1).max(64).default('us-east-1'),
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'Must be a valid bucket name')
    .describe('The bucket (it must exist)'),
  prefix: z
    .string()
    .max(512)
    .regex(/^[A-Za-z0-9._/-]*$/, 'Letters, digits, ".", "_", "-" and "/" only')
    .default('')
    .describe('A path prefix inside the bucket'),
  path_style: z.boolean().default(false).describe('Path-style URLs (MinIO and most self-hosted servers)'),
  access_key_id: z.string().min(1).max(256),
})
export type S3Config = z.infer<typeof s3Config>

export const directoryConfig = z.object({
  path: z
    .string()
    .max(1024)
    .regex(/^\/[A-Za-z0-9._/-]*$/, 'An absolute path of letters, digits, ".", "_", "-" and "/"')
    .refine((p) => !p.split('/').includes('..'), 'Must not contain ".."')
    .describe("A directory on the database's server"),
  helper_image: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._/:@-]{0,254}$/)
    .default('busybox:1.36')
    .describe('An image the server already has, with sh and cat, for the container that writes to the directory'),
})
export type DirectoryConfig = z.infer<typeof directoryConfig>

export const createDestinationBody = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('s3'),
    name: z.string().trim().min(1).max(100),
    s3: s3Config,
    secret_access_key: z.string().min(1).max(256).describe('Stored encrypted, never returned'),
  }),
  z.object({ kind: z.literal('directory'), name: z.string().trim().min(1).max(100), directory: directoryConfig }),
])
export type CreateDestinationInput = z.infer<typeof createDestinationBody>

/** The key of the small object a check writes, reads back and deletes. */
export function checkObjectKey(): string {
  return `berth-check/${randomBytes(8).toString('hex')}.txt`
}

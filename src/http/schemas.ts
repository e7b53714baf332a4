import { z } from 'zod'

/** Shared request pieces; route files keep their own shapes next to their handlers. */
export const uuidParam = z.object({ uuid: z.string().uuid('must be a UUID') })
export const idParam = z.object({ id: z.string().uuid('must be a UUID') })

/** Deleting a project or service: whether the named volumes (their data) go too. */
export const deleteVolumesQuery = z.object({
  delete_volumes: z
    .enum(['true', 'false'])
    .default('false')
    .describe('also delete the named volumes (their data) of what was deployed'),
})

/**
 * Version and log sequence numbers live in 32-bit `integer` columns. No row can hold a larger
 * number, and PostgreSQL refuses to compare one with such a column (a 500 where a 400 is due), so
 * these inputs stop at the column's range.
 */
export const MAX_STORED_NUMBER = 2_147_483_647
export const versionInput = z.number().int().min(1).max(MAX_STORED_NUMBER)
export const versionParam = z.coerce.number().int().min(1).max(MAX_STORED_NUMBER)
export const sequenceQuery = z.coerce.number().int().min(0).max(MAX_STORED_NUMBER)

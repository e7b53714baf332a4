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

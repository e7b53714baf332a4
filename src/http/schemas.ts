import { z } from 'zod'

/** Shared request pieces; route files keep their own shapes next to their handlers. */
export const uuidParam = z.object({ uuid: z.string().uuid('must be a UUID') })
export const idParam = z.object({ id: z.string().uuid('must be a UUID') })

export const created = z.object({ uuid: z.string().uuid() }).passthrough()

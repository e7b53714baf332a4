import { z } from 'zod'
import { timestamp } from '../http/responses.js'

// host[:port] as an image name starts with it: lowercase DNS name or IPv4 address, optional port.
const REGISTRY_HOST = /^(?=.{1,255}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$/

const username = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\s:]+$/, 'must not contain spaces or ":"')
const password = z.string().min(1).max(4000).describe('Write-only: a password or an access token')

export const createRegistryInput = z
  .object({
    host: z
      .string()
      .regex(REGISTRY_HOST, 'must be a registry host[:port] such as ghcr.io or registry.example.com:5000')
      .describe("The registry's host[:port], as image names start with it (docker.io for Docker Hub)"),
    username,
    password,
  })
  .meta({ id: 'CreateRegistryCredential' })
export type CreateRegistryInput = z.infer<typeof createRegistryInput>

export const updateRegistryInput = z
  .object({ username: username.optional(), password: password.optional() })
  .meta({ id: 'UpdateRegistryCredential' })
export type UpdateRegistryInput = z.infer<typeof updateRegistryInput>

export const registryView = z
  .object({
    id: z.string().uuid(),
    host: z.string(),
    username: z.string(),
    password_set: z.literal(true).describe('A password is always stored; it is never returned'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'RegistryCredential' })

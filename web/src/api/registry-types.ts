// Response shapes of the registry login routes, from the OpenAPI document (openapi.gen.ts).
import type { components } from './openapi.gen'

export type RegistryCredential = components['schemas']['RegistryCredential']
export type RegistryCredentialList = components['schemas']['RegistryCredentialList']

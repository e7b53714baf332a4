// Response shapes of the database backup routes, from the OpenAPI document (openapi.gen.ts).
import type { components } from './openapi.gen'

type Schemas = components['schemas']

export type BackupDestination = Schemas['BackupDestination']
export type BackupDestinationList = Schemas['BackupDestinationList']
export type BackupDestinationCheck = Schemas['BackupDestinationCheck']
export type BackupJob = Schemas['BackupJob']
export type BackupJobList = Schemas['BackupJobList']
export type BackupRun = Schemas['BackupRun']
export type BackupRunList = Schemas['BackupRunList']
export type ServiceVolumeList = Schemas['ServiceVolumeList']

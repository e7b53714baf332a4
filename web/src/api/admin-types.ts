// Response shapes of the databases, servers, backups and settings routes, from the server's
// OpenAPI document (openapi.gen.ts, written by `npm run gen:api`).
import type { components } from './openapi.gen'

type Schemas = components['schemas']

export type DatabaseTypeInfo = Schemas['DatabaseTypeInfo']
export type DatabaseListItem = Schemas['DatabaseListItem']
export type Database = Schemas['Database']
export type DatabaseRemoval = Schemas['DatabaseRemoval']

export type ServerState = Schemas['ServerState']
/** A server as listed, with what the monitor last saw of it. */
export type Server = Schemas['ServerWithState']

export type Backup = Schemas['Backup']
export type CreatedBackup = Schemas['CreatedBackup']

export type Settings = Schemas['Settings']

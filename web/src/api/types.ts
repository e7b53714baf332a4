// Response shapes of the API routes the UI uses (the OpenAPI document describes requests only).

export type Me = { user: { id: string; email: string }; team_id: string; via: 'session' | 'token'; abilities: string[] }

export type Project = { uuid: string; name: string; description: string; created_at: string; updated_at: string }
export type ProjectListItem = Project & { service_count: number }
export type ServiceSummary = { uuid: string; name: string; description: string; current_version: number }
export type ProjectDetail = Project & { services: ServiceSummary[] }
export type Service = ServiceSummary & { project_uuid: string; created_at: string; updated_at: string }

export type ComposeVersion = {
  version: number
  yaml: string
  rendered_yaml: string
  sha256: string
  description: string
  author: string
  created_at: string
}
export type SavedVersion = { version: number; sha256: string; created_at: string }
export type VersionListItem = {
  version: number
  sha256: string
  author_type: string
  author_id: string | null
  author_name: string | null
  description: string
  created_at: string
}
export type VersionList = { current_version: number; versions: VersionListItem[] }
export type ComposeDiff = { from: number; to: number; rendered: boolean; identical: boolean; diff: string }

export type EnvVariable = { value: string; secret: boolean; masked: boolean; updated_at: string }
export type EnvList = { env: Record<string, EnvVariable> }

export type ParameterType = 'string' | 'integer' | 'boolean' | 'json'
export type Parameter = { name: string; type: ParameterType; value: unknown }
export type ParameterList = { version: number; parameters: Parameter[] }

export type AuditItem = {
  id: number
  action: string
  actor: { type: string; id: string | null; name: string | null; via: string | null }
  resource_type: string | null
  resource_id: string | null
  ip: string | null
  details: Record<string, unknown> | null
  created_at: string
}
export type AuditPage = { items: AuditItem[]; next_cursor: number | null }

export type Token = {
  id: string
  name: string
  prefix: string
  abilities: string[]
  expires_at: string | null
  last_used_at: string | null
  created_at: string
  created_by: string | null
}

export type ProxyFile = { path: string; size: number; sha256: string; synced_at: string | null; drift: boolean }

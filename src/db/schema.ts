import type { Generated } from 'kysely'

// Timestamps are ISO-8601 UTC strings with milliseconds ("2026-01-02T03:04:05.678Z"): they sort as text
// and read the same on SQLite and PostgreSQL. Flags are 0/1 integers for the same reason.

export type TeamTable = { id: string; name: string; created_at: string }

export type UserRole = 'admin' | 'member'
export type UserTable = {
  id: string
  email: string
  name: string
  password_hash: string
  role: UserRole
  created_at: string
}

export type MembershipRole = 'owner' | 'member' | 'viewer'
export type MembershipTable = { team_id: string; user_id: string; role: MembershipRole; created_at: string }

export type SessionTable = {
  id: string
  token_hash: string
  user_id: string
  team_id: string
  ip: string | null
  created_at: string
  expires_at: string
  last_seen_at: string
}

export type ApiTokenTable = {
  id: string
  team_id: string
  user_id: string
  name: string
  token_hash: string
  token_prefix: string
  abilities: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
  created_at: string
}

export type ProjectTable = {
  id: string
  team_id: string
  name: string
  description: string
  created_at: string
  updated_at: string
}

export type ServiceTable = {
  id: string
  project_id: string
  name: string
  description: string
  current_version: number
  created_at: string
  updated_at: string
}

export type AuthorType = 'user' | 'token' | 'system'

export type ComposeVersionTable = {
  id: Generated<number>
  service_id: string
  version: number
  yaml: string
  rendered_yaml: string
  sha256: string
  parameters: string
  author_type: AuthorType
  author_id: string | null
  author_name: string
  description: string
  created_at: string
}

export type ServiceParameterTable = {
  service_id: string
  name: string
  type: string
  value: string
  updated_at: string
}

export type ServiceEnvTable = {
  service_id: string
  key: string
  value: string
  secret: number
  updated_at: string
}

export type AuditLogTable = {
  id: Generated<number>
  team_id: string | null
  actor_type: AuthorType | 'anonymous'
  actor_id: string | null
  actor_name: string
  via: string
  action: string
  resource_type: string | null
  resource_id: string | null
  ip: string | null
  details: string
  created_at: string
}

export type BackupStatus = 'running' | 'succeeded' | 'failed'
export type BackupTable = {
  id: string
  directory: string
  file_name: string
  status: BackupStatus
  trigger: string
  size_bytes: number | null
  sha256: string | null
  verified: number
  error: string | null
  started_at: string
  finished_at: string | null
  deleted_at: string | null
}

export type ProxyDomainTable = {
  id: string
  project_id: string
  domain: string
  subdomain: string | null
  full_domain: string
  tls: number
  cert_resolver: string | null
  active: number
  created_at: string
  updated_at: string
}

export type ProxyMiddlewareTable = {
  id: string
  project_id: string
  name: string
  type: string
  config: string
  created_at: string
  updated_at: string
}

export type ProxyRouteTable = {
  id: string
  domain_id: string
  target_type: 'service' | 'url'
  service_id: string | null
  compose_service: string | null
  port: number | null
  url: string | null
  path: string
  path_match: 'prefix' | 'exact'
  priority: number | null
  health_check: string | null
  active: number
  created_at: string
  updated_at: string
}

export type ProxyRouteMiddlewareTable = { route_id: string; position: number; middleware_id: string }

export type InstanceSettingTable = { key: string; value: string; updated_at: string }

export type ProxyGeneratedFileTable = {
  path: string
  kind: string
  project_id: string | null
  content: string
  sha256: string
  size: number
  last_synced_at: string
}

export type DB = {
  backups: BackupTable
  teams: TeamTable
  users: UserTable
  memberships: MembershipTable
  sessions: SessionTable
  api_tokens: ApiTokenTable
  projects: ProjectTable
  services: ServiceTable
  compose_versions: ComposeVersionTable
  service_parameters: ServiceParameterTable
  service_env: ServiceEnvTable
  audit_log: AuditLogTable
  proxy_domains: ProxyDomainTable
  proxy_middlewares: ProxyMiddlewareTable
  proxy_routes: ProxyRouteTable
  proxy_route_middlewares: ProxyRouteMiddlewareTable
  instance_settings: InstanceSettingTable
  proxy_generated_files: ProxyGeneratedFileTable
}

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
  /** 1: an instance administrator (settings, Berth's backups, shared servers, the proxy, teams). */
  instance_admin: number
  disabled_at: string | null
}

export type MembershipRole = 'owner' | 'admin' | 'member' | 'viewer'
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
  /** The server new services and databases of the project are placed on; null: the default server. */
  default_server_id: string | null
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
  /** Null: the shared localhost server. */
  server_id?: string | null
  /** How long a deployment waits for healthy containers before it fails. */
  health_timeout_seconds?: number
  /** 1: a deployment that fails its health gate redeploys the last compose version that passed. */
  auto_rollback?: number
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

/** How a domain gets its certificate; see proxy.model.ts. */
export type TlsMode = 'none' | 'acme' | 'internal'
export type ProxyDomainTable = {
  id: string
  project_id: string
  domain: string
  subdomain: string | null
  full_domain: string
  /** 'none', 'acme' (a certificate from the resolver) or 'internal' (the proxy's own certificate). */
  tls_mode: TlsMode
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

export type ServerTable = {
  id: string
  team_id: string | null
  name: string
  docker_host: string
  ssh_private_key: string | null
  concurrency_limit: number
  queue_limit: number
  created_at: string
  updated_at: string
  /** 1: the server a resource deploys to when none was chosen (found by this flag, never by its name). */
  is_default: number
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

export type DatabaseType =
  | 'postgresql'
  | 'mysql'
  | 'mariadb'
  | 'mongodb'
  | 'redis'
  | 'keydb'
  | 'dragonfly'
  | 'clickhouse'
export type DatabaseTable = {
  id: string
  type: DatabaseType
  version: string
  image: string
  public_port: number | null
  volume_name: string
  db_user: string
  db_name: string
  created_at: string
}

/** `proxy`: the proxy container Berth runs on a server (an instance-level resource, see proxy-runtime/). */
export type ResourceType = 'service' | 'database' | 'proxy'
/** `remove` takes down what a deleted resource left running (containers, networks, volumes). */
/** `attach`: connect a running service's routed containers to the proxy network (a route was added). */
export type DeploymentAction = 'deploy' | 'stop' | 'restart' | 'remove' | 'attach'
export type DeploymentStatus = 'queued' | 'in_progress' | 'finished' | 'failed' | 'cancelled-by-user'
export type DeploymentTrigger = 'api' | 'ui' | 'cli' | 'rollback' | 'webhook'
export type DeploymentTable = {
  id: string
  team_id: string
  resource_type: ResourceType
  resource_id: string
  resource_name: string
  server_id: string
  server_name: string
  action: DeploymentAction
  status: DeploymentStatus
  trigger: DeploymentTrigger
  compose_version: number | null
  force: number
  pull_latest_images: number
  stop_before_start: number
  exit_code: number | null
  message: string | null
  process_id?: number | null
  /** The worker instance (see deployments/worker-id.ts) running it, and when it last said it still does. */
  claimed_by?: string | null
  heartbeat_at?: string | null
  cancel_requested_by?: string | null
  /** For a `remove`: 1 to delete the named volumes too. */
  remove_volumes?: number
  /** The compose version to deploy instead of the resource's current one (a rollback). */
  target_version?: number | null
  /** For an automatic rollback: the deployment whose failed health gate it answers. */
  rollback_of?: string | null
  /** A Git deployment: the branch or commit asked for (null: not built from Git). */
  git_ref?: string | null
  /** The commit it built or rolled back to, its subject line and author, and the image tag. */
  git_commit?: string | null
  git_message?: string | null
  git_author?: string | null
  image?: string | null
  created_by: string
  created_at: string
  started_at: string | null
  finished_at: string | null
}

export type GitAuth = 'none' | 'ssh' | 'token'
export type GitSourceTable = {
  service_id: string
  team_id: string
  repo_url: string
  branch: string
  /** The build context inside the repository ('' for its root). */
  base_dir: string
  /** Exactly one of these two: build this Dockerfile, or import this compose file. */
  dockerfile_path: string | null
  compose_path: string | null
  /** The compose service whose image a build replaces. */
  compose_service: string
  auth: GitAuth
  deploy_key_public: string | null
  /** Encrypted (enc:v1). */
  deploy_key_private: string | null
  https_token: string | null
  webhook_secret: string
  deploy_token_hash: string | null
  /** JSON object of build arguments (not secret: they end up in the image history). */
  build_args: string
  /** Encrypted JSON object of build secrets, passed as BuildKit secrets. */
  build_secrets: string | null
  /** Images of this many latest successful deployments are kept for rollbacks. */
  keep_images: number
  /** Previews are on when set: each pull request runs on pr-<n>.<preview_domain>. */
  preview_domain?: string | null
  /** The port of compose_service a preview's route targets. */
  preview_port?: number | null
  /** Set on a preview's own source: the service it previews. */
  preview_of?: string | null
  /** 1: previews of requests from forks get the service's secrets too (default 0: they do not). */
  preview_fork_secrets: number
  created_at: string
  updated_at: string
}

/** One open pull/merge request of a Git service with previews, and the service that runs it. */
export type GitPreviewTable = {
  service_id: string
  number: number
  preview_service_id: string
  /** The pr-<n> domain routed to the preview (null until it is made). */
  domain_id: string | null
  branch: string
  head_commit: string | null
  /** A request from a fork: the fork's repository the preview is built from. */
  fork_repo_url: string | null
  created_at: string
  updated_at: string
}

export type RegistryCredentialTable = {
  id: string
  team_id: string
  /** host[:port] of the registry, as image names start with it ('docker.io' for Docker Hub). */
  host: string
  username: string
  /** Encrypted (enc:v1); never returned. */
  password: string
  created_at: string
  updated_at: string
}

export type ProxyKind = 'traefik' | 'caddy'
export type ServerProxyTable = {
  id: string
  server_id: string
  kind: ProxyKind
  image: string
  /** A proxy binary on the server, mounted read-only where the image keeps its own (null: the image's). */
  binary_path: string | null
  /** JSON array of host paths mounted read-only at the same path (the binary's shared libraries). */
  extra_mounts: string
  current_version: number
  /** What the last action asked for: 'running' or 'stopped'. */
  desired_state: string
  created_at: string
  updated_at: string
}
export type ServerProxyVersionTable = {
  id: Generated<number>
  proxy_id: string
  version: number
  kind: ProxyKind
  image: string
  compose_yaml: string
  sha256: string
  author: string
  /** Why this version exists: created, upgraded, rolled back to N. */
  reason: string
  created_at: string
}

export type LogStream = 'stdout' | 'stderr' | 'berth'
export type DeploymentLogTable = {
  deployment_id: string
  seq: number
  ts: string
  stream: LogStream
  output: string
  hidden: number
}

export type InvitationTable = {
  id: string
  team_id: string
  role: MembershipRole
  token_hash: string
  created_by: string | null
  created_at: string
  expires_at: string
  accepted_at: string | null
  accepted_by: string | null
  revoked_at: string | null
}

export type PasswordResetTable = {
  id: string
  user_id: string
  token_hash: string
  created_by: string | null
  created_at: string
  expires_at: string
  used_at: string | null
}

export type NotificationChannelTable = {
  id: string
  team_id: string
  name: string
  type: string
  /** Encrypted JSON of the type's settings (notifications.types.ts channelConfigs) with the app's cipher. */
  config: string
  /** JSON array of event names. */
  events: string
  /** JSON array of project ids the channel hears about; null: every project. */
  project_ids: string | null
  enabled: number
  created_at: string
  updated_at: string
}

export type NotificationOutboxTable = {
  id: string
  team_id: string
  channel_id: string
  event: string
  summary: string
  /** JSON of the notification (the generic webhook body). */
  payload: string
  /** What the message is about (e.g. "service:<id>"), for storm grouping; null: never grouped. */
  resource_key: string | null
  /** Later events of the same resource folded into this message while it waited. */
  grouped: number
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  next_attempt_at: string
  claimed_by: string | null
  claimed_at: string | null
  last_error: string | null
  last_status_code: number | null
  delivered_at: string | null
  created_at: string
}

export type NotificationStateTable = {
  resource_key: string
  state: string
  changed_at: string
}

export type NotificationAttemptTable = {
  id: Generated<number>
  outbox_id: string
  attempt: number
  at: string
  ok: number
  status_code: number | null
  error: string | null
  duration_ms: number
}

/** A compose file a catalog template wrote for a service, by its hash (templates capability). */
export type ServiceTemplateTable = {
  id: string
  service_id: string
  template_id: string
  template_version: string
  compose_sha256: string
  created_at: string
}
export type DbBackupDestinationKind = 's3' | 'directory'
export type DbBackupDestinationTable = {
  id: string
  team_id: string
  name: string
  kind: DbBackupDestinationKind
  /** JSON of the non-secret settings (see database-backups/destinations.ts). */
  config: string
  /** S3: the secret access key, encrypted with the app's cipher. */
  secret: string | null
  created_at: string
  updated_at: string
}
export type DbBackupJobTable = {
  id: string
  team_id: string
  database_id: string
  destination_id: string
  /** A cron expression (croner), or null: runs only on request. */
  schedule: string | null
  keep_last: number | null
  keep_days: number | null
  encrypt: number
  enabled: number
  /** 1: every backup is also restored into a throw-away server of the same engine (PostgreSQL). */
  verify_restore: number
  /** A job of a compose service's named volume (database_id is then the service's id); null: a database's. */
  volume: string | null
  /** A volume job: the image of the helper container that tars the volume. */
  helper_image: string | null
  created_at: string
  updated_at: string
}
export type DbBackupRunKind = 'backup' | 'restore'
export type DbBackupRunStatus = 'queued' | 'in_progress' | 'succeeded' | 'failed'
export type DbBackupRunTrigger = 'schedule' | 'api' | 'ui' | 'cli' | 'safety'
export type DbBackupRunTable = {
  id: string
  team_id: string
  database_id: string
  job_id: string | null
  destination_id: string
  kind: DbBackupRunKind
  status: DbBackupRunStatus
  trigger: DbBackupRunTrigger
  /** Scheduled runs: the cron tick (unique per job). */
  slot: string | null
  /** A restore: the backup run it restores. */
  source_run_id: string | null
  artifact_key: string | null
  encrypted: number
  size_bytes: number | null
  sha256: string | null
  /** 1: the stored artifact was read back and its checksum matched. */
  verified: number
  message: string | null
  /** When retention deleted the artifact. */
  pruned_at: string | null
  created_by: string
  created_at: string
  started_at: string | null
  finished_at: string | null
  /** The worker id (data dir) of the Berth running it, with its process id and last heartbeat. */
  claimed_by: string | null
  process_id: number | null
  heartbeat_at: string | null
  /** PostgreSQL: the artifact of `pg_dumpall --globals-only` (roles), and its checksum. */
  globals_key: string | null
  globals_sha256: string | null
  /** 1: restored into a throw-away server and checked; null: not asked. */
  restore_verified: number | null
  /** A volume backup: the compose volume's name (database_id is then the service's id) and the helper image. */
  volume: string | null
  helper_image: string | null
}
export type DbBackupRunLogTable = {
  id: Generated<number>
  run_id: string
  seq: number
  ts: string
  stream: LogStream
  output: string
  hidden: number
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
  servers: ServerTable
  databases: DatabaseTable
  deployments: DeploymentTable
  deployment_logs: DeploymentLogTable
  invitations: InvitationTable
  password_resets: PasswordResetTable
  server_proxies: ServerProxyTable
  server_proxy_versions: ServerProxyVersionTable
  notification_channels: NotificationChannelTable
  notification_outbox: NotificationOutboxTable
  notification_attempts: NotificationAttemptTable
  notification_states: NotificationStateTable
  service_templates: ServiceTemplateTable
  db_backup_destinations: DbBackupDestinationTable
  db_backup_jobs: DbBackupJobTable
  db_backup_runs: DbBackupRunTable
  db_backup_run_logs: DbBackupRunLogTable
  git_sources: GitSourceTable
  registry_credentials: RegistryCredentialTable
  git_previews: GitPreviewTable
}

/**
 * The capability folder under src/ that owns each table: only files in that folder (its
 * `<capability>.repo.ts`, in older capabilities also its services) run SQL on the table; every
 * other folder calls the owner's functions. test/structure.test.ts enforces this, with a short,
 * commented allow-list of read-only joins kept for speed. A new table gets its entry here.
 */
export const TABLE_OWNERS = {
  teams: 'auth',
  users: 'auth',
  memberships: 'auth',
  sessions: 'auth',
  api_tokens: 'auth',
  invitations: 'auth',
  password_resets: 'auth',
  audit_log: 'audit',
  backups: 'backups',
  projects: 'projects',
  services: 'services',
  compose_versions: 'compose',
  service_parameters: 'compose',
  service_env: 'env',
  databases: 'databases',
  servers: 'servers',
  deployments: 'deployments',
  deployment_logs: 'deployments',
  proxy_domains: 'proxy',
  proxy_middlewares: 'proxy',
  proxy_routes: 'proxy',
  proxy_route_middlewares: 'proxy',
  proxy_generated_files: 'proxy',
  instance_settings: 'settings',
  server_proxies: 'proxy-runtime',
  server_proxy_versions: 'proxy-runtime',
  notification_channels: 'notifications',
  notification_outbox: 'notifications',
  notification_attempts: 'notifications',
  notification_states: 'notifications',
  service_templates: 'templates',
  db_backup_destinations: 'database-backups',
  db_backup_jobs: 'database-backups',
  db_backup_runs: 'database-backups',
  db_backup_run_logs: 'database-backups',
  git_sources: 'git-sources',
  registry_credentials: 'registries',
  git_previews: 'git-sources',
} as const satisfies Record<keyof DB, string>

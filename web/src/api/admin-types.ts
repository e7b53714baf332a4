// Response shapes of the databases, servers, backups and settings routes.

export type DatabaseTypeInfo = { type: string; default_version: string; default_image: string; port: number }
export type DatabaseListItem = {
  uuid: string
  name: string
  type: string
  image: string
  current_version: number
  created_at: string
}
export type Database = DatabaseListItem & {
  project_uuid: string
  version: string
  public_port: number | null
  volume_name: string
  username: string
  database: string
  /** True when the caller lacks read:sensitive: internal_url then carries a mask instead of the password. */
  password_masked: boolean
  internal_url: string
}

export type ServerState = {
  reachable: boolean
  engine_version: string | null
  api_version: string | null
  compose_version: string | null
  containers_running: number | null
  containers_stopped: number | null
  error: string | null
  checked_at: string
}
export type Server = {
  uuid: string
  name: string
  docker_host: string
  shared: boolean
  has_private_key: boolean
  concurrency_limit: number
  queue_limit: number
  state?: ServerState | null
}

export type Backup = {
  id: string
  file_name: string
  status: 'running' | 'succeeded' | 'failed'
  trigger: string
  size_bytes: number | null
  sha256: string | null
  verified: boolean
  error: string | null
  started_at: string
  finished_at: string | null
}

export type Settings = {
  proxy: 'traefik' | 'caddy'
  letsencrypt_email: string | null
  default_cert_resolver: string
  http_to_https_redirect: boolean
}

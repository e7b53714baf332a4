import { stringify } from 'yaml'
import type { DatabaseType } from '../db/schema.js'

export const DATABASE_TYPES = [
  'postgresql',
  'mysql',
  'mariadb',
  'mongodb',
  'redis',
  'keydb',
  'dragonfly',
  'clickhouse',
] as const satisfies readonly DatabaseType[]

/** Generated names and secrets of a database; passwords are stored as secret (encrypted) variables. */
export type Credentials = { user: string; password: string; rootPassword: string; database: string }

type Template = {
  image: (version: string) => string
  defaultVersion: string
  port: number
  dataDir: string
  /** Variables the container gets, by name; values are interpolated from .env (`${NAME}`). */
  env: (c: Credentials) => Record<string, string>
  secretKeys: string[]
  command?: string[]
  healthcheck: string[]
  url: (c: Credentials, host: string, port: number) => string
  extra?: Record<string, unknown>
}

const redisLike = (binary: string, cli: string, key: string): Omit<Template, 'image' | 'defaultVersion'> => ({
  port: 6379,
  dataDir: '/data',
  env: (c) => ({ [key]: c.password }),
  secretKeys: [key],
  // Through a shell so the password comes from the environment, not the container's command line.
  command: ['sh', '-c', `exec ${binary} --dir /data --requirepass "$$${key}"`],
  healthcheck: ['CMD-SHELL', `${cli} --no-auth-warning -a "$$${key}" ping | grep -q PONG`],
  url: (c, host, port) => `redis://default:${encodeURIComponent(c.password)}@${host}:${port}/0`,
})

export const TEMPLATES: Record<DatabaseType, Template> = {
  postgresql: {
    image: (v) => `postgres:${v}`,
    defaultVersion: '16-alpine',
    port: 5432,
    dataDir: '/var/lib/postgresql/data',
    env: (c) => ({ POSTGRES_USER: c.user, POSTGRES_PASSWORD: c.password, POSTGRES_DB: c.database }),
    secretKeys: ['POSTGRES_PASSWORD'],
    healthcheck: ['CMD-SHELL', 'pg_isready -U "$${POSTGRES_USER}" -d "$${POSTGRES_DB}"'],
    url: (c, host, port) => `postgres://${c.user}:${encodeURIComponent(c.password)}@${host}:${port}/${c.database}`,
  },
  mysql: {
    image: (v) => `mysql:${v}`,
    defaultVersion: '8.4',
    port: 3306,
    dataDir: '/var/lib/mysql',
    env: (c) => ({
      MYSQL_USER: c.user,
      MYSQL_PASSWORD: c.password,
      MYSQL_DATABASE: c.database,
      MYSQL_ROOT_PASSWORD: c.rootPassword,
    }),
    secretKeys: ['MYSQL_PASSWORD', 'MYSQL_ROOT_PASSWORD'],
    healthcheck: ['CMD-SHELL', 'MYSQL_PWD="$${MYSQL_ROOT_PASSWORD}" mysqladmin ping -h 127.0.0.1 -u root --silent'],
    url: (c, host, port) => `mysql://${c.user}:${encodeURIComponent(c.password)}@${host}:${port}/${c.database}`,
  },
  mariadb: {
    image: (v) => `mariadb:${v}`,
    defaultVersion: '11',
    port: 3306,
    dataDir: '/var/lib/mysql',
    env: (c) => ({
      MARIADB_USER: c.user,
      MARIADB_PASSWORD: c.password,
      MARIADB_DATABASE: c.database,
      MARIADB_ROOT_PASSWORD: c.rootPassword,
    }),
    secretKeys: ['MARIADB_PASSWORD', 'MARIADB_ROOT_PASSWORD'],
    healthcheck: ['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized'],
    url: (c, host, port) => `mysql://${c.user}:${encodeURIComponent(c.password)}@${host}:${port}/${c.database}`,
  },
  mongodb: {
    image: (v) => `mongo:${v}`,
    defaultVersion: '7',
    port: 27017,
    dataDir: '/data/db',
    env: (c) => ({
      MONGO_INITDB_ROOT_USERNAME: c.user,
      MONGO_INITDB_ROOT_PASSWORD: c.password,
      MONGO_INITDB_DATABASE: c.database,
    }),
    secretKeys: ['MONGO_INITDB_ROOT_PASSWORD'],
    healthcheck: ['CMD-SHELL', `mongosh --quiet --eval "db.adminCommand('ping').ok" | grep -q 1`],
    url: (c, host, port) =>
      `mongodb://${c.user}:${encodeURIComponent(c.password)}@${host}:${port}/${c.database}?authSource=admin`,
  },
  redis: {
    image: (v) => `redis:${v}`,
    defaultVersion: '7-alpine',
    ...redisLike('redis-server --appendonly yes', 'redis-cli', 'REDIS_PASSWORD'),
  },
  keydb: {
    image: (v) => `eqalpha/keydb:${v}`,
    defaultVersion: 'alpine_x86_64_v6.3.4',
    ...redisLike('keydb-server --appendonly yes', 'keydb-cli', 'KEYDB_PASSWORD'),
  },
  dragonfly: {
    image: (v) => `docker.dragonflydb.io/dragonflydb/dragonfly:${v}`,
    defaultVersion: 'v1.23.2',
    ...redisLike('dragonfly --logtostderr', 'redis-cli', 'DRAGONFLY_PASSWORD'),
    // Dragonfly needs a high memlock limit to use io_uring.
    extra: { ulimits: { memlock: -1 } },
  },
  clickhouse: {
    image: (v) => `clickhouse/clickhouse-server:${v}`,
    defaultVersion: '24.8-alpine',
    port: 9000,
    dataDir: '/var/lib/clickhouse',
    env: (c) => ({
      CLICKHOUSE_USER: c.user,
      CLICKHOUSE_PASSWORD: c.password,
      CLICKHOUSE_DB: c.database,
      CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: '1',
    }),
    secretKeys: ['CLICKHOUSE_PASSWORD'],
    healthcheck: ['CMD-SHELL', 'wget --spider -q http://127.0.0.1:8123/ping || exit 1'],
    url: (c, host, port) => `clickhouse://${c.user}:${encodeURIComponent(c.password)}@${host}:${port}/${c.database}`,
    extra: { ulimits: { nofile: { soft: 262144, hard: 262144 } } },
  },
}

export type DatabaseSpec = { type: DatabaseType; image: string; publicPort: number | null; volumeName: string }

/**
 * The compose file of a standalone database: one service named after the type, its data in a
 * named volume, a health check suited to the engine, credentials interpolated from .env so the
 * stored file holds no secret. Pure and deterministic.
 */
export function renderDatabaseCompose(spec: DatabaseSpec, credentials: Credentials): string {
  const t = TEMPLATES[spec.type]
  const environment = Object.fromEntries(Object.keys(t.env(credentials)).map((k) => [k, `\${${k}}`]))
  const service: Record<string, unknown> = {
    image: spec.image,
    restart: 'unless-stopped',
    environment,
    ...(t.command && { command: t.command }),
    volumes: [`data:${t.dataDir}`],
    healthcheck: { test: t.healthcheck, interval: '5s', timeout: '5s', retries: 10, start_period: '10s' },
    labels: { 'berth.database.type': spec.type },
    ...(spec.publicPort !== null && { ports: [`${spec.publicPort}:${t.port}`] }),
    ...t.extra,
  }
  return stringify(
    { services: { [spec.type]: service }, volumes: { data: { name: spec.volumeName } } },
    { lineWidth: 0 },
  )
}

/** The variables (names and values) a database's containers need, and which of them are secret. */
export function databaseEnv(type: DatabaseType, credentials: Credentials) {
  const t = TEMPLATES[type]
  return { env: t.env(credentials), secretKeys: t.secretKeys }
}

export function internalUrl(type: DatabaseType, credentials: Credentials, host: string): string {
  return TEMPLATES[type].url(credentials, host, TEMPLATES[type].port)
}

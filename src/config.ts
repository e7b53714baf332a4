import { resolve } from 'node:path'
import { Cron } from 'croner'
import { z } from 'zod'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export type DatabaseTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string }

export type Config = {
  dataDir: string
  /** The directory the proxy sync service owns (Traefik's static/ and dynamic/, Caddy's mirror). */
  proxyDir: string
  proxyReconcileIntervalMs: number
  database: DatabaseTarget
  host: string
  port: number
  appKey?: string
  logLevel: (typeof LOG_LEVELS)[number]
  admin?: { email: string; password: string }
  backups: { dir: string; schedule: string | null; retentionDays: number }
  /** A deployment running longer than this is killed and fails. */
  deployTimeoutMs: number
  /** A sibling process's deployment whose heartbeat is older than this is failed as abandoned. */
  deployStaleMs: number
  /** Deployment history retention (a daily job): days to keep, days to keep failed ones, newest N per resource always kept. */
  deploymentRetention: { keepDays: number; keepFailedDays: number; keepLastPerResource: number }
  /** Berth's public URL (BERTH_PUBLIC_URL, no trailing slash): links in notifications; without it they carry the path only. */
  publicUrl?: string
  /** Folders of the user's own templates, loaded beside the shipped catalog (BERTH_TEMPLATE_DIRS, ":"-separated). */
  templateDirs?: string[]
  /** Storm grouping: at most one notification per channel per resource within this many seconds. */
  notificationGroupSeconds: number
  /** A TLS certificate expiring within this many days is notified (certificate.expiring). */
  certificateExpiryDays: number
  /** A server's engine disk with less free space than this percent of its size raises server.disk_low. */
  diskLowPercent: number
  /** A web terminal nobody typed into for this long is closed. */
  terminalIdleMs: number
  /**
   * Processes that answer HTTP (BERTH_HTTP_PROCESSES): 1 is the serving process alone; more add
   * reader processes that answer the database-only reads and pass everything else to it.
   */
  httpProcesses: number
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

const envSchema = z.object({
  BERTH_DATA_DIR: z.string().min(1).default('./data'),
  BERTH_PROXY_DIR: z.string().min(1).optional(),
  BERTH_PROXY_RECONCILE_SECONDS: z.coerce
    .number({ message: 'BERTH_PROXY_RECONCILE_SECONDS must be a number' })
    .min(0.05, 'BERTH_PROXY_RECONCILE_SECONDS must be at least 0.05')
    .max(86400, 'BERTH_PROXY_RECONCILE_SECONDS must be at most 86400')
    .default(30),
  DATABASE_PATH: z.string().min(1).optional(),
  DATABASE_URL: z.string().min(1).optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce
    .number({ message: 'PORT must be a number' })
    .int('PORT must be a whole number')
    .min(0, 'PORT must be between 0 and 65535')
    .max(65535, 'PORT must be between 0 and 65535')
    .default(3000),
  BERTH_APP_KEY: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  BERTH_ADMIN_EMAIL: z.string().email('BERTH_ADMIN_EMAIL must be an e-mail address').optional(),
  BERTH_ADMIN_PASSWORD: z.string().optional(),
  BERTH_BACKUP_DIR: z.string().min(1).optional(),
  BERTH_BACKUP_SCHEDULE: z.string().default('0 2 * * *'),
  BERTH_BACKUP_RETENTION_DAYS: z.coerce
    .number({ message: 'BERTH_BACKUP_RETENTION_DAYS must be a number of days' })
    .int('BERTH_BACKUP_RETENTION_DAYS must be a whole number of days')
    .min(1, 'BERTH_BACKUP_RETENTION_DAYS must be at least 1')
    .default(7),
  BERTH_RETENTION_DAYS: z.coerce.number().int().min(1).default(90),
  BERTH_RETENTION_FAILED_DAYS: z.coerce.number().int().min(1).default(180),
  BERTH_RETENTION_KEEP_LAST: z.coerce.number().int().min(0).default(10),
  BERTH_DEPLOY_TIMEOUT_SECONDS: z.coerce
    .number({ message: 'BERTH_DEPLOY_TIMEOUT_SECONDS must be a number' })
    .int()
    .min(1)
    .max(86400)
    .default(900),
  // At least three of the 2-second heartbeats, so a busy process does not lose what it runs.
  BERTH_DEPLOY_STALE_SECONDS: z.coerce
    .number({ message: 'BERTH_DEPLOY_STALE_SECONDS must be a number of seconds' })
    .int()
    .min(6, 'BERTH_DEPLOY_STALE_SECONDS must be at least 6 (three heartbeats)')
    .max(3600)
    .default(30),
  BERTH_HTTP_PROCESSES: z.coerce
    .number({ message: 'BERTH_HTTP_PROCESSES must be a number of processes' })
    .int('BERTH_HTTP_PROCESSES must be a whole number')
    .min(1, 'BERTH_HTTP_PROCESSES must be at least 1')
    .max(16, 'BERTH_HTTP_PROCESSES must be at most 16')
    .default(1),
  BERTH_PUBLIC_URL: z
    .string()
    .url('BERTH_PUBLIC_URL must be a URL such as https://berth.example.com')
    .refine((u) => /^https?:\/\//i.test(u), 'BERTH_PUBLIC_URL must start with http:// or https://')
    .optional(),
  BERTH_TEMPLATE_DIRS: z.string().optional(),
  BERTH_NOTIFICATION_GROUP_SECONDS: z.coerce
    .number({ message: 'BERTH_NOTIFICATION_GROUP_SECONDS must be a number of seconds' })
    .min(0)
    .max(86400)
    .default(60),
  BERTH_CERT_EXPIRY_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  BERTH_DISK_LOW_PERCENT: z.coerce
    .number({ message: 'BERTH_DISK_LOW_PERCENT must be a number (percent of the disk)' })
    .min(0)
    .max(100)
    .default(10),
  BERTH_TERMINAL_IDLE_SECONDS: z.coerce.number().int().min(1).max(86400).default(900),
})

/** "off" disables scheduled backups; anything else must be a cron expression. */
function backupSchedule(text: string, problems: string[]): string | null {
  if (text.trim().toLowerCase() === 'off') return null
  try {
    new Cron(text, { paused: true }).stop()
    return text
  } catch (error) {
    problems.push(
      `BERTH_BACKUP_SCHEDULE "${text}" is not a cron expression (${(error as Error).message}); use e.g. "0 2 * * *" or "off"`,
    )
    return null
  }
}

function databaseTarget(url: string | undefined, path: string, problems: string[]): DatabaseTarget {
  if (url === undefined) return { dialect: 'sqlite', path }
  const scheme = url.split(':', 1)[0]?.toLowerCase()
  if (scheme === 'postgres' || scheme === 'postgresql') return { dialect: 'postgres', url }
  if (scheme === 'sqlite') return { dialect: 'sqlite', path: resolve(url.replace(/^sqlite:(\/\/)?/i, '')) }
  problems.push(`DATABASE_URL has the unsupported scheme "${scheme}:"; use postgres://... or leave it unset for SQLite`)
  return { dialect: 'sqlite', path }
}

/** Reads and validates settings from the environment; throws ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')))
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`))
  }
  const e = parsed.data
  const problems: string[] = []
  const dataDir = resolve(e.BERTH_DATA_DIR)
  const database = databaseTarget(e.DATABASE_URL, resolve(e.DATABASE_PATH ?? `${dataDir}/berth.db`), problems)
  if ((e.BERTH_ADMIN_EMAIL === undefined) !== (e.BERTH_ADMIN_PASSWORD === undefined)) {
    problems.push('BERTH_ADMIN_EMAIL and BERTH_ADMIN_PASSWORD must be set together')
  }
  if (e.BERTH_ADMIN_PASSWORD !== undefined && e.BERTH_ADMIN_PASSWORD.length < 8) {
    problems.push('BERTH_ADMIN_PASSWORD must be at least 8 characters long')
  }
  const schedule = backupSchedule(e.BERTH_BACKUP_SCHEDULE, problems)
  if (problems.length > 0) throw new ConfigError(problems)
  return {
    dataDir,
    proxyDir: resolve(e.BERTH_PROXY_DIR ?? `${dataDir}/proxy`),
    proxyReconcileIntervalMs: Math.round(e.BERTH_PROXY_RECONCILE_SECONDS * 1000),
    database,
    host: e.HOST,
    port: e.PORT,
    appKey: e.BERTH_APP_KEY,
    logLevel: e.LOG_LEVEL,
    deployTimeoutMs: e.BERTH_DEPLOY_TIMEOUT_SECONDS * 1000,
    deployStaleMs: e.BERTH_DEPLOY_STALE_SECONDS * 1000,
    publicUrl: e.BERTH_PUBLIC_URL?.replace(/\/+$/, ''),
    templateDirs: (e.BERTH_TEMPLATE_DIRS ?? '')
      .split(':')
      .filter(Boolean)
      .map((dir) => resolve(dir)),
    notificationGroupSeconds: e.BERTH_NOTIFICATION_GROUP_SECONDS,
    certificateExpiryDays: e.BERTH_CERT_EXPIRY_DAYS,
    diskLowPercent: e.BERTH_DISK_LOW_PERCENT,
    terminalIdleMs: e.BERTH_TERMINAL_IDLE_SECONDS * 1000,
    httpProcesses: e.BERTH_HTTP_PROCESSES,
    deploymentRetention: {
      keepDays: e.BERTH_RETENTION_DAYS,
      keepFailedDays: e.BERTH_RETENTION_FAILED_DAYS,
      keepLastPerResource: e.BERTH_RETENTION_KEEP_LAST,
    },
    admin:
      e.BERTH_ADMIN_EMAIL && e.BERTH_ADMIN_PASSWORD
        ? { email: e.BERTH_ADMIN_EMAIL, password: e.BERTH_ADMIN_PASSWORD }
        : undefined,
    backups: {
      dir: resolve(e.BERTH_BACKUP_DIR ?? `${dataDir}/backups`),
      schedule,
      retentionDays: e.BERTH_BACKUP_RETENTION_DAYS,
    },
  }
}

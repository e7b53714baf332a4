import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import type { MigrationDialect } from './migration-helpers.js'
import * as m001 from './migrations/001_foundation.js'
import * as m002 from './migrations/002_deployments.js'
import * as m003 from './migrations/003_proxy.js'
import * as m004 from './migrations/004_backups.js'
import * as m005 from './migrations/005_worker_claims.js'
import * as m006 from './migrations/006_remove_volumes.js'
import * as m007 from './migrations/007_tenancy.js'
import * as m008 from './migrations/008_health_gate.js'
import * as m009 from './migrations/009_tls_defaults.js'
import * as m010 from './migrations/010_proxy_runtime.js'
import * as m011 from './migrations/011_notifications.js'
import * as m012 from './migrations/012_database_backups.js'
import * as m013 from './migrations/013_service_templates.js'
import * as m014 from './migrations/014_git_sources.js'
import * as m015 from './migrations/015_notification_rules.js'
import * as m016 from './migrations/016_backup_run_claims.js'
import * as m017 from './migrations/017_registries_previews.js'
import * as m019 from './migrations/019_log_rows_by_sequence.js'
import * as m020 from './migrations/020_notification_states.js'
import * as m021 from './migrations/021_volume_backup_jobs.js'
import * as m022 from './migrations/022_preview_fork_secrets.js'
import * as m023 from './migrations/023_project_default_server.js'
import * as m024 from './migrations/024_deployments_by_team_time.js'

type DialectMigration = { up(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> }

// Listed in code, not read from a folder, so the compiled package and tsx runs see the same set.
const MIGRATIONS: Record<string, DialectMigration> = {
  '001_foundation': m001,
  '002_deployments': m002,
  '003_proxy': m003,
  '004_backups': m004,
  '005_worker_claims': m005,
  '006_remove_volumes': m006,
  '007_tenancy': m007,
  '008_health_gate': m008,
  '009_tls_defaults': m009,
  '010_proxy_runtime': m010,
  '011_notifications': m011,
  '012_database_backups': m012,
  '013_service_templates': m013,
  '014_git_sources': m014,
  '015_notification_rules': m015,
  '016_backup_run_claims': m016,
  '017_registries_previews': m017,
  '019_log_rows_by_sequence': m019,
  '020_notification_states': m020,
  '021_volume_backup_jobs': m021,
  '022_preview_fork_secrets': m022,
  '023_project_default_server': m023,
  '024_deployments_by_team_time': m024,
}

export function knownMigrations(): string[] {
  return Object.keys(MIGRATIONS).sort()
}

class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: MigrationDialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(
      Object.entries(MIGRATIONS).map(([name, m]) => [name, { up: (db: Kysely<unknown>) => m.up(db, this.dialect) }]),
    )
  }
}

export type MigrationReport = { applied: string[]; pending: string[]; ranNow: string[] }

function migrator(db: Kysely<any>, dialect: MigrationDialect): Migrator {
  // Capabilities land in parallel branches, so a later-numbered migration may already be applied.
  return new Migrator({ db, provider: new StaticMigrationProvider(dialect), allowUnorderedMigrations: true })
}

/** Applies every pending migration; a failure rolls back and is thrown with the migration's name. */
export async function migrateToLatest(db: Kysely<any>, dialect: MigrationDialect): Promise<MigrationReport> {
  const { error, results } = await migrator(db, dialect).migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error) {
    throw new Error(
      `Migration ${failed?.migrationName ?? '(unknown)'} failed: ${String((error as Error).message ?? error)}`,
      {
        cause: error,
      },
    )
  }
  const ranNow = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
  return { ...(await migrationStatus(db, dialect)), ranNow }
}

/** Applies the migrations up to and including one (tests of a migration start from the schema before it). */
export async function migrateTo(db: Kysely<any>, dialect: MigrationDialect, name: string): Promise<void> {
  const { error } = await migrator(db, dialect).migrateTo(name)
  if (error)
    throw new Error(`Migrating to ${name} failed: ${String((error as Error).message ?? error)}`, { cause: error })
}

export async function migrationStatus(
  db: Kysely<any>,
  dialect: MigrationDialect,
): Promise<Omit<MigrationReport, 'ranNow'>> {
  const all = await migrator(db, dialect).getMigrations()
  return {
    applied: all.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name),
  }
}

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { Actor } from '../audit/audit.service.js'
import { prepareVersion } from '../compose/versioning.js'
import type { Parameter } from '../compose/compose.params.js'
import { firstVersionDescription } from '../compose/compose.repo.js'
import type { DB } from '../db/schema.js'
import { snapshotSqlite } from '../db/snapshot.js'
import { AppError } from '../errors.js'
import type { ProjectsService } from '../projects/projects.service.js'
import type { ServicesService } from '../services/services.service.js'
import { extractAcmeEmail } from './acme-email.js'
import { discoverComposeFiles, toServiceName } from './discover.js'

export type ImportOutcome = 'imported' | 'would_import' | 'already_imported' | 'name_in_use' | 'invalid'
export type ImportReportLine = {
  file: string
  project: string
  service: string
  outcome: ImportOutcome
  detail?: string
  serviceId?: string
}
export type ImportReport = { lines: ImportReportLine[]; backupPath?: string; backupSkipped?: string }

type Deps = {
  db: Kysely<DB>
  database: { dialect: 'sqlite' | 'postgres' }
  projects: Pick<ProjectsService, 'list' | 'create'>
  services: Pick<ServicesService, 'create' | 'listInProject'>
}

export function importDescription(relativePath: string): string {
  return `Imported from ${relativePath}`
}

/**
 * Brings compose files from disk into the database. Idempotent: a file already imported (a service
 * of that name whose first version says "Imported from <path>") is skipped. Each file is its own
 * transaction, so one invalid file never affects another; a backup of the database is taken first.
 */
export function createImportService({ db, database, projects, services }: Deps) {
  async function run(input: {
    dir: string
    teamId: string
    dryRun: boolean
    backupDir: string
    actor: Actor
  }): Promise<ImportReport> {
    const found = discoverComposeFiles(input.dir)
    const report: ImportReport = { lines: [] }
    if (!input.dryRun && found.length > 0 && database.dialect !== 'sqlite') {
      report.backupSkipped = 'Berth cannot copy a PostgreSQL database itself: take a pg_dump before importing'
    } else if (!input.dryRun && found.length > 0) {
      report.backupPath = join(input.backupDir, `pre-import-${new Date().toISOString().replace(/[:.]/g, '-')}.db`)
      await snapshotSqlite(db, report.backupPath)
    }
    for (const file of found) {
      const serviceName = toServiceName(file.serviceName) ?? file.serviceName
      const line: ImportReportLine = {
        file: file.relativePath,
        project: file.projectName,
        service: serviceName,
        outcome: 'invalid',
      }
      report.lines.push(line)
      const description = importDescription(file.relativePath)
      const yaml = readFileSync(file.path, 'utf8')
      const acme = extractAcmeEmail(yaml)
      const parameters: Parameter[] = acme ? [{ name: 'letsencrypt_email', type: 'string', value: acme.email }] : []
      try {
        prepareVersion(acme?.template ?? yaml, parameters)
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        line.detail = describeIssues(error)
        continue
      }
      const project = (await projects.list(input.teamId)).find((p) => p.name === file.projectName)
      const existing = project
        ? (await services.listInProject(input.teamId, project.id)).find((s) => s.name === serviceName)
        : undefined
      if (existing) {
        const imported = (await firstVersionDescription(db, existing.id)) === description
        line.outcome = imported ? 'already_imported' : 'name_in_use'
        line.serviceId = existing.id
        if (!imported)
          line.detail = `a service "${serviceName}" already exists in project "${file.projectName}" and was not imported from this file`
        continue
      }
      if (input.dryRun) {
        line.outcome = 'would_import'
        if (acme) line.detail = `letsencrypt_email = ${acme.email}`
        continue
      }
      const projectId =
        project?.id ??
        (
          await projects.create(
            input.teamId,
            { name: file.projectName, description: `Imported from ${input.dir}` },
            input.actor,
          )
        ).id
      try {
        const service = await services.create(
          input.teamId,
          projectId,
          { name: serviceName, compose: acme?.template ?? yaml, versionDescription: description, parameters },
          input.actor,
        )
        line.outcome = 'imported'
        line.serviceId = service.id
        if (acme) line.detail = `letsencrypt_email = ${acme.email}`
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        line.detail = error.message
      }
    }
    return report
  }

  return { run }
}

function describeIssues(error: AppError): string {
  const issues = (error.details as { issues?: { path: string; message: string; line?: number }[] } | undefined)?.issues
  if (!issues) return error.message
  return issues.map((i) => `${i.path ? `${i.path}: ` : ''}${i.message}${i.line ? ` (line ${i.line})` : ''}`).join('; ')
}

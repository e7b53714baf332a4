import { Readable } from 'node:stream'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { triggerOf } from '../deployments/deployments.service.js'
import { BadRequestError } from '../errors.js'
import { principalOf } from '../http/auth-hook.js'
import { followLog, resumeAfter } from '../http/log-follow.js'
import { createLogPages } from '../http/log-pages.js'
import { errorResponses, json, noContent, text, timestamp } from '../http/responses.js'
import { idParam, sequenceQuery, uuidParam } from '../http/schemas.js'
import type { DbBackupRunTable } from '../db/schema.js'

export const job = z
  .object({
    id: z.string().uuid(),
    database_id: z.string().uuid().describe("The database's uuid, or for a volume job the service's"),
    destination_id: z.string().uuid(),
    schedule: z.string().nullable().describe('A cron expression; null: only on request'),
    keep_last: z.number().int().nullable(),
    keep_days: z.number().int().nullable(),
    encrypt: z.boolean(),
    enabled: z.boolean(),
    verify_restore: z
      .boolean()
      .describe('Each backup is also restored into a throw-away server (PostgreSQL, MariaDB, MySQL, Redis)'),
    volume: z.string().nullable().describe("A volume job: the compose volume's name"),
    helper_image: z.string().nullable().describe('A volume job: the image of the helper container'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'BackupJob' })

export const jobFields = {
  destination_id: z.string().uuid(),
  schedule: z
    .string()
    .trim()
    .min(1)
    .max(128)
    .nullable()
    .describe('A cron expression (5 or 6 fields); null: manual only'),
  keep_last: z.number().int().min(1).max(10_000).nullable().describe('Keep the newest N backups'),
  keep_days: z.number().int().min(1).max(36_500).nullable().describe('Keep backups younger than N days'),
  encrypt: z.boolean().describe('Encrypt the artifact (AES-256-GCM, key derived from the app key)'),
  enabled: z.boolean(),
  verify_restore: z
    .boolean()
    .describe(
      'Also restore each backup into a throw-away server of the same image and check it (PostgreSQL, MariaDB, MySQL, Redis)',
    ),
}
const createJobBody = z.object(jobFields).partial().required({ destination_id: true })
const updateJobBody = z.object(jobFields).partial()

export const run = z
  .object({
    id: z.string().uuid(),
    database_id: z.string().uuid(),
    job_id: z.string().uuid().nullable(),
    destination_id: z.string().uuid(),
    kind: z.enum(['backup', 'restore']),
    status: z.enum(['queued', 'in_progress', 'succeeded', 'failed']),
    trigger: z.enum(['schedule', 'api', 'ui', 'cli', 'safety']),
    source_run_id: z.string().uuid().nullable().describe('A restore: the backup it restores'),
    volume: z
      .string()
      .nullable()
      .describe("A volume backup: the compose volume's name (database_id is then the service's uuid)"),
    artifact_key: z.string().nullable(),
    globals_artifact_key: z.string().nullable().describe("PostgreSQL: the server's roles (pg_dumpall --globals-only)"),
    encrypted: z.boolean(),
    size_bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
    verified: z.boolean().describe('The stored artifact was read back and its checksum matched'),
    restore_verified: z
      .boolean()
      .nullable()
      .describe('Restored into a throw-away server and checked (its job asks for it); null: not asked'),
    message: z.string().nullable().describe('Why it failed'),
    pruned: z.boolean().describe('Retention deleted the artifact'),
    duration_ms: z.number().int().nullable(),
    created_by: z.string(),
    created_at: timestamp,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
  })
  .meta({ id: 'BackupRun' })

export function runView(r: DbBackupRunTable) {
  return {
    id: r.id,
    database_id: r.database_id,
    job_id: r.job_id,
    destination_id: r.destination_id,
    kind: r.kind,
    status: r.status,
    trigger: r.trigger,
    source_run_id: r.source_run_id,
    volume: r.volume,
    artifact_key: r.artifact_key,
    globals_artifact_key: r.globals_key,
    encrypted: r.encrypted === 1,
    size_bytes: r.size_bytes === null ? null : Number(r.size_bytes),
    sha256: r.sha256,
    verified: r.verified === 1,
    restore_verified: r.restore_verified === null ? null : r.restore_verified === 1,
    message: r.message,
    pruned: r.pruned_at !== null,
    duration_ms: r.started_at && r.finished_at ? Date.parse(r.finished_at) - Date.parse(r.started_at) : null,
    created_by: r.created_by,
    created_at: r.created_at,
    started_at: r.started_at,
    finished_at: r.finished_at,
  }
}

const logLine = z.object({
  seq: z.number().int(),
  ts: timestamp,
  stream: z.enum(['stdout', 'stderr', 'berth']),
  output: z.string(),
})

const TAGS = ['database-backups']
export function databaseBackupRoutes(app: Pick<App, 'backupJobs' | 'backupRuns'>): FastifyPluginAsyncZod {
  return async (server) => {
    const logPages = createLogPages({ read: app.backupRuns.logPage })
    server.get(
      '/databases/:uuid/backup-jobs',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listBackupJobs',
          summary: "A database's backup jobs",
          params: uuidParam,
          response: {
            200: json(z.object({ jobs: z.array(job) }).meta({ id: 'BackupJobList' }), 'Jobs'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => ({ jobs: await app.backupJobs.list(principalOf(request).teamId, request.params.uuid) }),
    )

    server.post(
      '/databases/:uuid/backup-jobs',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'createBackupJob',
          summary: 'Add a backup job: destination, cron schedule, retention, encryption',
          params: uuidParam,
          body: createJobBody,
          response: { 201: json(job, 'Created'), ...errorResponses(404, 422) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply
          .status(201)
          .send(await app.backupJobs.create(p.teamId, request.params.uuid, request.body, actorOf(p)))
      },
    )

    server.patch(
      '/backup-jobs/:id',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'updateBackupJob',
          summary: 'Change a backup job',
          params: idParam,
          body: updateJobBody,
          response: { 200: json(job, 'The job after the change'), ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.backupJobs.update(p.teamId, request.params.id, request.body, actorOf(p))
      },
    )

    server.delete(
      '/backup-jobs/:id',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'deleteBackupJob',
          summary: 'Remove a backup job (its runs and stored backups stay)',
          params: idParam,
          response: { 204: noContent('Removed'), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.backupJobs.remove(p.teamId, request.params.id, actorOf(p))
        return reply.status(204).send()
      },
    )

    server.post(
      '/backup-jobs/:id/run',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'runBackupJob',
          summary: 'Run a backup job now; answers the queued run (poll it or its log)',
          params: idParam,
          response: { 202: json(run, 'Queued'), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const queued = await app.backupJobs.runNow(p.teamId, request.params.id, triggerOf(p.via), actorOf(p))
        return reply.status(202).send(runView(queued!))
      },
    )

    server.post(
      '/databases/:uuid/backups',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'backupDatabase',
          summary: 'Back the database up now to a destination (or run one of its jobs)',
          params: uuidParam,
          body: z.object({
            job_id: z.string().uuid().optional().describe('Run this job (its destination, encryption and retention)'),
            destination_id: z.string().uuid().optional().describe('Without a job: where to store the backup'),
            encrypt: z.boolean().optional(),
          }),
          response: { 202: json(run, 'Queued'), ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const { job_id, destination_id, encrypt } = request.body
        if (job_id !== undefined) {
          const queued = await app.backupJobs.runNow(
            p.teamId,
            job_id,
            triggerOf(p.via),
            actorOf(p),
            request.params.uuid,
          )
          return reply.status(202).send(runView(queued!))
        }
        if (destination_id === undefined)
          throw new BadRequestError('destination_required', 'Give a job_id or a destination_id.')
        const queued = await app.backupRuns.startBackup(
          p.teamId,
          request.params.uuid,
          { destinationId: destination_id, jobId: null, encrypt: encrypt ?? false, trigger: triggerOf(p.via) },
          actorOf(p),
        )
        return reply.status(202).send(runView(queued!))
      },
    )

    server.get(
      '/databases/:uuid/backups',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listBackupRuns',
          summary:
            "A database's backup and restore runs, newest first (the last 100); still listed after it is deleted",
          params: uuidParam,
          response: {
            200: json(z.object({ runs: z.array(run) }).meta({ id: 'BackupRunList' }), 'Runs'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => ({
        runs: (await app.backupRuns.list(principalOf(request).teamId, request.params.uuid)).map(runView),
      }),
    )

    server.get(
      '/backup-runs/:id',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'getBackupRun',
          summary: 'A backup or restore run',
          params: idParam,
          response: { 200: json(run, 'The run'), ...errorResponses(404) },
        },
      },
      async (request) => runView(await app.backupRuns.get(principalOf(request).teamId, request.params.id)),
    )

    server.get(
      '/backup-runs/:id/log',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'getBackupRunLog',
          summary: "A run's log lines (redacted) after a sequence number",
          params: idParam,
          querystring: z.object({ after: sequenceQuery.default(0) }),
          response: {
            200: json(z.object({ lines: z.array(logLine) }).meta({ id: 'BackupRunLog' }), 'Lines in order'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => ({
        lines: await app.backupRuns.log(principalOf(request).teamId, request.params.id, request.query.after),
      }),
    )

    server.get(
      '/backup-runs/:id/log/stream',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'streamBackupRunLog',
          summary: "Stream a run's log lines live (Server-Sent Events; resume with Last-Event-ID)",
          params: idParam,
          querystring: z.object({ after: sequenceQuery.optional() }),
          response: {
            200: text(
              'Server-Sent Events: `line` events (id: the sequence number; data: a BackupRunLog line as JSON), then one `end` event (data: `{"status"}`) once the run has ended',
              'text/event-stream',
            ),
            ...errorResponses(404),
          },
        },
      },
      async (request, reply) => {
        const teamId = principalOf(request).teamId
        const runId = request.params.id
        await app.backupRuns.get(teamId, runId) // 404 before the stream starts
        followLog(request, reply, resumeAfter(request, request.query.after), {
          after: (after) => logPages.after(teamId, runId, after),
          running: ['queued', 'in_progress'],
        })
      },
    )

    server.get(
      '/backup-runs/:id/download',
      {
        config: { ability: 'read:sensitive' },
        schema: {
          tags: TAGS,
          operationId: 'downloadBackupRun',
          summary: "Download a backup's artifact (decrypted)",
          params: idParam,
          response: {
            200: {
              description: 'The dump as the engine wrote it (sent as an attachment)',
              content: {
                'application/octet-stream': {
                  schema: z.instanceof(Readable).meta({ type: 'string', contentMediaType: 'application/octet-stream' }),
                },
              },
            },
            ...errorResponses(404, 409),
          },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const file = await app.backupRuns.download(p.teamId, request.params.id, actorOf(p))
        void reply.header('content-type', 'application/octet-stream')
        void reply.header('content-disposition', `attachment; filename="${file.fileName}"`)
        return reply.send(file.stream)
      },
    )

    server.post(
      '/backup-runs/:id/restore',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'restoreBackupRun',
          summary:
            'Restore a backup into its database (after a safety backup) or into a new database created from it; answers the queued restore run',
          params: idParam,
          body: z.object({
            target: z
              .enum(['same', 'new'])
              .default('same')
              .describe("same: over the backed-up database's data; new: into a new database of the same engine"),
            confirm: z
              .string()
              .optional()
              .describe("target same: the database's name, typed to confirm overwriting its data"),
            name: z.string().optional().describe("target new: the new database's name (in the same project)"),
          }),
          response: { 202: json(run, 'Queued'), ...errorResponses(400, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const { target, confirm, name } = request.body
        if (target === 'new' && name === undefined)
          throw new BadRequestError('name_required', 'Name the new database to restore the backup into.')
        if (target === 'same' && confirm === undefined)
          throw new BadRequestError('confirmation_required', "Type the database's name to confirm the restore.")
        const queued =
          target === 'new'
            ? await app.backupRuns.startRestoreIntoNew(p.teamId, request.params.id, name!, triggerOf(p.via), actorOf(p))
            : await app.backupRuns.startRestore(p.teamId, request.params.id, triggerOf(p.via), actorOf(p), confirm)
        return reply.status(202).send(runView(queued))
      },
    )
  }
}

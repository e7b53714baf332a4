import { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../app.js'
import { startBackupScheduler } from '../backups/backup.scheduler.js'
import { markServerRunning, runningServerPid } from '../data-dir-lock.js'
import { ConflictError } from '../errors.js'
import { ensureFirstAdmin } from '../bootstrap.js'
import { loadConfig } from '../config.js'
import { ensurePrivateDir } from '../db/connection.js'
import { createHttpServer } from '../http/server.js'

// Requests still running (a backup, a followed log) get this long to end before their connections are cut.
const SHUTDOWN_GRACE_MS = 10_000

/**
 * Stops accepting connections and waits for the requests in flight. A connection busy when the
 * close began would then stay open for keep-alive (72 s) once its answer is sent, so idle ones are
 * closed as they appear; after the grace period the rest (long event streams) are cut.
 */
async function closeHttp(server: FastifyInstance): Promise<void> {
  const http = server.server
  const closed = server.close()
  const sweep = setInterval(() => http.closeIdleConnections(), 100)
  const cut = setTimeout(() => http.closeAllConnections(), SHUTDOWN_GRACE_MS)
  await closed
  clearInterval(sweep)
  clearTimeout(cut)
}

export function serveCommand(): Command {
  return new Command('serve').description('Run the Berth server (HOST, PORT, BERTH_DATA_DIR...)').action(async () => {
    const config = loadConfig()
    // One server per data dir: its worker id, proxy files and backups belong to one process.
    const other = runningServerPid(config.dataDir)
    if (other !== undefined)
      throw new ConflictError(
        'already_serving',
        `Berth is already serving ${config.dataDir} (pid ${other}); stop it first, or give this server its own BERTH_DATA_DIR.`,
      )
    // A first start creates the data dir (0700) before marking it.
    ensurePrivateDir(config.dataDir)
    const unmark = markServerRunning(config.dataDir)
    const app = await buildApp({ config })
    const server = await createHttpServer(app)
    const admin = await ensureFirstAdmin(app)
    await app.startBackground()
    const address = await server.listen({ host: config.host, port: config.port })
    const scheduler = startBackupScheduler({
      backups: app.backups,
      schedule: config.backups.schedule,
      retentionDays: config.backups.retentionDays,
      logger: app.logger,
    })
    // The proxy sync starts with the server and stops in app.close(), after the HTTP server.
    app.proxySync.start(app.events)
    const lines = [
      `Berth is listening on ${address}`,
      `  data:     ${config.dataDir} (database ${config.database.dialect === 'sqlite' ? config.database.path : 'postgres'})`,
      `  proxy:    ${config.proxyDir} (reconciled every ${config.proxyReconcileIntervalMs / 1000} s)`,
      `  web UI:   ${address}/`,
      `  API docs: ${address}/api/docs`,
    ]
    if (admin === 'created') lines.push(`  first admin created: ${config.admin?.email}`)
    if (admin === 'missing')
      lines.push(
        '  no user yet: create one with  echo "a-long-password" | npx berth user create --email you@example.com --password-stdin --admin',
      )
    process.stderr.write(`${lines.join('\n')}\n`)

    const stop = async (signal: string) => {
      server.log.info({ signal }, 'shutting down')
      scheduler.stop()
      await closeHttp(server)
      await app.close()
      unmark()
      process.exit(0)
    }
    process.once('SIGINT', () => void stop('SIGINT'))
    process.once('SIGTERM', () => void stop('SIGTERM'))
  })
}

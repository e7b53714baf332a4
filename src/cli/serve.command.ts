import { Command } from 'commander'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { type App, buildApp } from '../app.js'
import { startBackupScheduler } from '../backups/backup.scheduler.js'
import { markServerRunning, runningServerPid } from '../data-dir-lock.js'
import { ConflictError } from '../errors.js'
import { ensureFirstAdmin } from '../bootstrap.js'
import { loadConfig } from '../config.js'
import { ensurePrivateDir } from '../db/connection.js'
import { closeHttp } from '../http/close-http.js'
import { startReaders } from '../http/readers.js'
import { createHttpServer } from '../http/server.js'
import { observeRequest } from '../metrics/metrics.routes.js'

// The serving process's Unix socket for its readers, in the private data dir (readers.ts).
const READERS_SOCKET = 'readers.sock'

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
    const server = await createHttpServer(app, { servesReaders: config.httpProcesses > 1 })
    const admin = await ensureFirstAdmin(app)
    await app.startBackground()
    const listening = await listen(app, server)
    const address = listening.address
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
      ...(config.httpProcesses > 1
        ? [`  readers:  ${config.httpProcesses - 1} process(es) beside this one answer reads`]
        : []),
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
      // Readers first: they pass writes to this process until their own requests end.
      await listening.stopReaders()
      await closeHttp(server)
      await app.close()
      unmark()
      process.exit(0)
    }
    process.once('SIGINT', () => void stop('SIGINT'))
    process.once('SIGTERM', () => void stop('SIGTERM'))
  })
}

/**
 * Listens on HOST:PORT. With BERTH_HTTP_PROCESSES > 1 its readers listen there instead, and this
 * process listens on a Unix socket in the data dir for what they pass on (readers.ts).
 */
async function listen(
  app: App,
  server: FastifyInstance,
): Promise<{ address: string; stopReaders: () => Promise<void> }> {
  const { host, port, httpProcesses, dataDir } = app.config
  if (httpProcesses === 1) return { address: await server.listen({ host, port }), stopReaders: () => Promise.resolve() }
  const socketPath = join(dataDir, READERS_SOCKET)
  // A socket file left by a killed server would refuse the listen; the data dir lock says none runs.
  rmSync(socketPath, { force: true })
  await server.listen({ path: socketPath })
  const observe = observeRequest(app)
  const readers = startReaders({
    count: httpProcesses - 1,
    socketPath,
    observe: (items) => {
      for (const [method, route, status, seconds] of items) observe(method, route, status, seconds)
    },
    recordTokenUse: (tokenId, at) =>
      void app.tokens
        .recordUse(tokenId, at)
        .catch((error) => app.logger.warn({ err: error }, "a token's last use reported by a reader was not recorded")),
    logger: app.logger,
  })
  const address = await readers.started
  if (address === undefined) {
    await readers.stop()
    throw new Error('no reader process started (their errors are above); start Berth with BERTH_HTTP_PROCESSES=1')
  }
  return { address, stopReaders: readers.stop }
}

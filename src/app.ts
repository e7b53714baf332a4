import { join } from 'node:path'
import { createAuditService } from './audit/audit.service.js'
import { createBackupService } from './backups/backup.service.js'
import { createSessionsService } from './auth/sessions.service.js'
import { createTokensService } from './auth/tokens.service.js'
import { createUsersService } from './auth/users.service.js'
import { createInvitationsService } from './auth/invitations.service.js'
import { createTeamsService } from './auth/teams.service.js'
import { createUserAdminService } from './auth/user-admin.service.js'
import { createComposeService } from './compose/compose.service.js'
import { createParametersService } from './compose/parameters.service.js'
import { createComposeValidationService } from './compose/validation.service.js'
import type { Config } from './config.js'
import { createSecretCipher } from './crypto/cipher.js'
import { APP_KEY_FILE, loadAppKey } from './crypto/app-key.js'
import { verifyAppKey } from './crypto/app-key-check.js'
import { ensurePrivateDir, openDatabase } from './db/connection.js'
import { migrateToLatest } from './db/migrate.js'
import { createEnvService } from './env/env.service.js'
import { createDeploymentsModule } from './deployments/deployments.module.js'
import type { ProxyNetwork } from './deployments/work-dir.js'
import { createEventBus } from './events/event-bus.js'
import { createLogger } from './logger.js'
import { PROXY_NETWORK, composeServicesToAttach, upstreamAlias } from './proxy/network.js'
import { createMetrics } from './metrics/metrics.js'
import { registerCapabilityMetrics } from './metrics/capability-metrics.js'
import { registerCoreMetrics } from './metrics/core-metrics.js'
import { createProjectsService } from './projects/projects.service.js'
import { createProxyServices } from './proxy/proxy.services.js'
import { createServicesService } from './services/services.service.js'

export type App = Awaited<ReturnType<typeof buildApp>>

/**
 * The composition root: opens the database (migrating it), loads the app key and wires every
 * service. The HTTP server, the CLI and the tests all start here, so there is one way in.
 */
export async function buildApp({
  config,
  logDestination,
  proxyNetwork,
}: {
  config: Config
  logDestination?: NodeJS.WritableStream
  proxyNetwork?: ProxyNetwork
}) {
  const logger = createLogger(config.logLevel, logDestination)
  ensurePrivateDir(config.dataDir)
  const database = openDatabase(config.database, (error) =>
    logger.warn({ err: error }, 'a PostgreSQL connection broke; the next query opens a new one'),
  )
  try {
    const migrations = await migrateToLatest(database.db, database.dialect)
    const cipher = createSecretCipher(loadAppKey(config.dataDir, config.appKey))
    await verifyAppKey(
      database.db,
      cipher,
      config.appKey !== undefined ? 'BERTH_APP_KEY' : join(config.dataDir, APP_KEY_FILE),
    )
    const db = database.db
    const audit = createAuditService()
    const events = createEventBus((err, event) => logger.error({ err, event: event.type }, 'event listener failed'))
    const metrics = createMetrics()
    const users = createUsersService({ db, audit })
    const teams = createTeamsService({ db, audit })
    const env = createEnvService({ db, audit, cipher })
    const backups = createBackupService({ db, dialect: database.dialect, backupDir: config.backups.dir, audit, logger })
    registerCoreMetrics(metrics, { database, backups })
    const proxy = createProxyServices({ db, audit, events, logger, config })
    // Routed compose services join the proxy's network under the alias the proxy dials.
    const routedNetwork: ProxyNetwork = {
      name: PROXY_NETWORK,
      composeServicesToAttach: (serviceId) => composeServicesToAttach(db, serviceId),
      aliasFor: upstreamAlias,
    }
    const deploymentsModule = createDeploymentsModule({
      db,
      audit,
      events,
      env,
      cipher,
      logger,
      dataDir: config.dataDir,
      deployTimeoutMs: config.deployTimeoutMs,
      retention: config.deploymentRetention,
      proxyNetwork: proxyNetwork ?? routedNetwork,
    })
    registerCapabilityMetrics(metrics, { db, proxySync: proxy.proxySync })
    return {
      config,
      logger,
      events,
      database,
      db,
      migrations,
      audit,
      users,
      teams,
      invitations: createInvitationsService({ db, audit, users, teams }),
      userAdmin: createUserAdminService({ db, audit }),
      sessions: createSessionsService({ db, audit, users }),
      tokens: createTokensService({ db, audit }),
      projects: createProjectsService({ db, audit, events, deployments: deploymentsModule.deployments }),
      services: createServicesService({ db, audit, events, deployments: deploymentsModule.deployments }),
      compose: createComposeService({ db, audit, events }),
      parameters: createParametersService({ db, audit, events }),
      env,
      backups,
      metrics,
      composeValidation: createComposeValidationService({ db, env }),
      ...proxy,
      ...deploymentsModule,
      /** Stops the deployment workers (their running deployments end as failed) and the proxy sync, then the database. */
      close: async () => {
        await deploymentsModule.stopBackground()
        await proxy.proxySync.stop()
        await database.close()
      },
    }
  } catch (error) {
    await database.close()
    throw error
  }
}

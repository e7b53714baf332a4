import { join } from 'node:path'
import { createAuditService } from './audit/audit.service.js'
import { ownBackupNotifier } from './backups/notify.js'
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
import { migrateToLatest, migrationStatus } from './db/migrate.js'
import { createEnvService } from './env/env.service.js'
import { createDashboardService } from './dashboard/dashboard.service.js'
import { createDatabasesService } from './databases/databases.service.js'
import { artifactKeyFrom } from './database-backups/artifact-crypto.js'
import { createDestinationsService } from './database-backups/destinations.service.js'
import { createJobsService } from './database-backups/jobs.service.js'
import { createBackupJobsOfDeleted } from './database-backups/owner-deleted.js'
import { backupNotifier } from './database-backups/notify.js'
import { createRunsService } from './database-backups/runs.service.js'
import { createBackgroundJobs } from './deployments/background.js'
import { createDeploymentWorkers } from './deployments/deployment-worker.js'
import { createDeploymentsService } from './deployments/deployments.service.js'
import { createResourceRuntimeService } from './deployments/resource-runtime.js'
import { workerIdFor } from './deployments/worker-id.js'
import type { ProxyNetwork } from './deployments/work-dir.js'
import { createEventBus } from './events/event-bus.js'
import { createLogger } from './logger.js'
import { PROXY_NETWORK, composeServicesToAttach, projectNetwork, upstreamAlias } from './proxy/network.js'
import { createMetrics } from './metrics/metrics.js'
import { createNotificationDelivery } from './notifications/notifications.delivery.js'
import { createNotificationsService } from './notifications/notifications.service.js'
import { registerCapabilityMetrics } from './metrics/capability-metrics.js'
import { registerCoreMetrics } from './metrics/core-metrics.js'
import { existingProjectIds } from './projects/projects.repo.js'
import { createProjectsService } from './projects/projects.service.js'
import { createDomainsService } from './proxy/config/domains.service.js'
import { createMiddlewaresService } from './proxy/config/middlewares.service.js'
import { createProxyPreview } from './proxy/config/proxy.preview.js'
import { createRoutesService } from './proxy/config/routes.service.js'
import { createProxyBrowser } from './proxy/sync/proxy.browser.js'
import { assertAllRender } from './proxy/sync/proxy.check.js'
import { createProxySyncService } from './proxy/sync/proxy.sync.js'
import { createContainersService } from './servers/containers.service.js'
import { createEngineEventWatchers } from './servers/engine-events.js'
import { createServerMonitor } from './servers/server-monitor.js'
import { createServersService } from './servers/servers.service.js'
import { createTerminalService } from './terminal/terminal.service.js'
import { createProxyRuntimeService } from './proxy-runtime/proxy-runtime.service.js'
import { createProxyWatch } from './proxy-runtime/proxy-watch.js'
import { createServicesService } from './services/services.service.js'
import { createSettingsService } from './settings/settings.service.js'
import { CATALOG_DIR, loadTemplateCatalog } from './templates/templates.catalog.js'
import { createTemplatesService } from './templates/templates.service.js'
import { createGitSourcesService } from './git-sources/git-sources.service.js'
import { pruneBuildImages } from './git-sources/image-retention.js'
import { createRegistriesService } from './registries/registries.service.js'
import { findOwningTeam, findTeamResource } from './services/services.repo.js'

export type App = Awaited<ReturnType<typeof buildApp>>

/**
 * The composition root: opens the database (migrating it), loads the app key and wires every
 * service. The HTTP server, the CLI and the tests all start here, so there is one way in.
 */
export async function buildApp({
  config,
  logDestination,
  reader,
}: {
  config: Config
  logDestination?: NodeJS.WritableStream
  /** Set in a reader process (src/http/reader.process.ts): a read-only database, token uses reported to the serving process. */
  reader?: { recordTokenUse: (tokenId: string, at: string) => void }
}) {
  const logger = createLogger(config.logLevel, logDestination)
  ensurePrivateDir(config.dataDir)
  const database = openDatabase(
    config.database,
    (error) => logger.warn({ err: error }, 'a PostgreSQL connection broke; the next query opens a new one'),
    { readOnly: reader !== undefined },
  )
  try {
    // A reader starts after the serving process migrated and checked the key: it only reads.
    const migrations = reader
      ? { ...(await migrationStatus(database.db, database.dialect)), ranNow: [] }
      : await migrateToLatest(database.db, database.dialect)
    const appKey = loadAppKey(config.dataDir, config.appKey)
    const cipher = createSecretCipher(appKey)
    if (!reader)
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
    const backups = createBackupService({
      db,
      dialect: database.dialect,
      backupDir: config.backups.dir,
      audit,
      logger,
      // Called only once a backup ends, long after `notifications` below exists.
      onFinished: (trx, backup) => ownBackupNotifier(notifications)(trx, backup),
    })
    registerCoreMetrics(metrics, { database, backups })

    // Notifications: queued in the transaction of the fact they report, delivered by a background worker.
    const workerId = workerIdFor(config.dataDir)
    const notifier = createNotificationDelivery({ db, cipher, logger, workerId })
    const notifications = createNotificationsService({
      db,
      audit,
      cipher,
      publicUrl: config.publicUrl,
      groupMs: config.notificationGroupSeconds * 1000,
      wake: notifier.wake,
    })

    // Proxy configuration: every change re-renders in its transaction; the sync service writes the files.
    const settings = createSettingsService({ db, audit, events, checkRouting: assertAllRender })
    const domains = createDomainsService({ db, audit, events })
    const middlewares = createMiddlewaresService({ db, audit, events })
    const proxySync = createProxySyncService({
      db,
      logger,
      proxyDir: config.proxyDir,
      reconcileIntervalMs: config.proxyReconcileIntervalMs,
      onRun: notifications.proxySyncRun,
    })
    const proxyBrowser = createProxyBrowser({ db, proxyDir: config.proxyDir })
    const proxyPreview = createProxyPreview({ db, audit, proxyDir: config.proxyDir })

    // Servers: the monitor keeps their live state; engine events ask for a refresh after container activity.
    const notifyFailed = (serverId: string) => (error: unknown) =>
      logger.error({ err: error, serverId }, 'queueing a notification failed')
    const serverMonitor = createServerMonitor({
      onReachability: (server, state) =>
        void notifications.serverReachability(server, state).catch(notifyFailed(server.id)),
      onDisk: (server, disk, low) => void notifications.serverDisk(server, disk, low).catch(notifyFailed(server.id)),
      diskLowPercent: config.diskLowPercent,
    })
    const engineEvents = createEngineEventWatchers({
      logger,
      onActivity: (serverId) => background.refreshServer(serverId),
    })
    const servers = createServersService({
      db,
      audit,
      cipher,
      dataDir: config.dataDir,
      monitor: serverMonitor,
      onRemoved: (id) => engineEvents.forget(id),
      onAdded: (id, host) => background.watchServer(id, host),
    })
    const containers = createContainersService({ db, audit, servers })

    // Deployments: queued by services, run by one worker per server (the only runner of docker compose).
    const deployments = createDeploymentsService({
      db,
      audit,
      events,
      serverForResource: servers.serverForResource,
      onFinished: notifications.onDeploymentFinished,
    })
    // A route to a running service connects its containers to the proxy network at once (an attach deployment).
    const routes = createRoutesService({ db, audit, events, attachRouted: deployments.queueAttach })
    // Routed compose services join their project's network, with the proxies, under the alias the proxy dials.
    const routedNetwork: ProxyNetwork = {
      name: PROXY_NETWORK,
      networkOf: projectNetwork,
      composeServicesToAttach: (serviceId) => composeServicesToAttach(db, serviceId),
      aliasFor: upstreamAlias,
      knownProjects: (ids) => existingProjectIds(db, ids),
    }
    // The proxy container Berth runs per server: versioned compose files, deployed by the worker.
    const proxyRuntime = createProxyRuntimeService({
      db,
      audit,
      deployments,
      servers,
      proxyDir: config.proxyDir,
      network: PROXY_NETWORK,
      caddyLoaded: proxySync.lastCaddyConfig,
      configWritten: proxySync.idle,
    })
    proxySync.setCaddyAdminLocator(proxyRuntime.caddyAdminUrl)
    proxySync.setTraefikApiSources(proxyRuntime.traefikApiSources)
    const compose = createComposeService({ db, audit, events })
    // Git sources: the worker fetches and builds with their spec and writes each build as a compose version.
    // Deleting a database, service or project deletes its backup jobs in the same transaction.
    const backupJobsOfDeleted = createBackupJobsOfDeleted({ audit })
    const services = createServicesService({ db, audit, events, deployments, servers, backupJobs: backupJobsOfDeleted })
    const parameters = createParametersService({ db, audit, events })
    const gitSources = createGitSourcesService({
      db,
      audit,
      cipher,
      compose,
      deployments,
      previews: { services, env, domains, routes, parameters },
    })
    events.on('service.deleted', (e) => gitSources.forget(e.teamId, e.serviceId))
    const registries = createRegistriesService({ db, audit, cipher })
    const workers = createDeploymentWorkers({
      db,
      audit,
      events,
      env,
      dataDir: config.dataDir,
      logger,
      hostFor: async (serverId) => {
        const { server, host } = await servers.hostById(serverId)
        return { host, secrets: server.ssh_private_key ? [cipher.decrypt(server.ssh_private_key)] : [] }
      },
      workerId,
      proxyNetwork: routedNetwork,
      timeoutMs: config.deployTimeoutMs,
      staleAfterMs: config.deployStaleMs,
      queueAutoRollback: deployments.queueAutoRollback,
      instanceCompose: proxyRuntime.composeFor,
      git: gitSources,
      registryLogins: registries.loginsFor,
      onFinished: notifications.onDeploymentFinished,
      onLogFlushed: (deploymentId, lastSeq) => events.publish({ type: 'deployment.log', deploymentId, lastSeq }),
      concurrencyOf: async (serverId) => (await servers.serverForResource(db, serverId)).concurrency_limit,
    })
    // Backups of users' databases: destinations (a directory is reached through the server's engine).
    const hostOf = async (serverId: string | null) =>
      (await servers.hostById((await servers.serverForResource(db, serverId)).id)).host
    const backupDestinations = createDestinationsService({ db, audit, cipher, hostOf })
    const databases = createDatabasesService({
      db,
      audit,
      events,
      env,
      deployments,
      servers,
      backupJobs: backupJobsOfDeleted,
    })
    const backupServiceOf = (teamId: string, serviceId: string) => findTeamResource(db, teamId, serviceId, 'service')
    const backupRuns = createRunsService({
      db,
      audit,
      logger,
      databases,
      deployments,
      destinations: backupDestinations,
      hostOf,
      artifactKey: artifactKeyFrom(appKey),
      onFinished: backupNotifier(notifications),
      owner: { workerId, processId: process.pid },
      serviceOf: backupServiceOf,
    })
    const backupJobs = createJobsService({
      db,
      audit,
      logger,
      databases,
      runs: backupRuns,
      serviceOf: backupServiceOf,
    })
    const hostForService = async (serviceId: string) => {
      const teamId = await findOwningTeam(db, serviceId)
      const resource = await findTeamResource(db, teamId ?? '', serviceId)
      return (await servers.hostById((await servers.serverForResource(db, resource.serverId)).id)).host
    }
    const resourceRuntime = createResourceRuntimeService({ db, servers, env, cipher })
    const projects = createProjectsService({ db, audit, events, deployments, servers, backupJobs: backupJobsOfDeleted })
    const proxyWatch = createProxyWatch({
      whyDown: proxyRuntime.whyDown,
      onDown: async (serverId, message) =>
        notifications.proxyDown(await servers.serverForResource(db, serverId), message),
    })
    const background = createBackgroundJobs({
      db,
      audit,
      logger,
      servers,
      engineEvents,
      workers,
      events,
      notifier,
      retention: config.deploymentRetention,
      checkCertificates: () => notifications.checkCertificates(config.certificateExpiryDays),
      pruneImages: () => pruneBuildImages({ db, hostForService }),
      onServerRefreshed: (serverId) => proxyWatch.check(serverId),
      network: routedNetwork,
    })
    registerCapabilityMetrics(metrics, { db, proxySync })
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
      tokens: createTokensService({ db, audit, recordUse: reader?.recordTokenUse }),
      projects,
      services,
      compose,
      gitSources,
      registries,
      parameters,
      env,
      backups,
      metrics,
      composeValidation: createComposeValidationService({ db, env }),
      settings,
      domains,
      routes,
      middlewares,
      proxySync,
      proxyBrowser,
      proxyPreview,
      proxyRuntime,
      servers,
      serverMonitor,
      deployments,
      resourceRuntime,
      terminals: createTerminalService({ db, audit, resourceRuntime }),
      dashboard: createDashboardService({
        db,
        backups,
        backupRuns,
        projects,
        servers,
        proxyRuntime,
        proxySync,
        diskLowPercent: config.diskLowPercent,
      }),
      containers,
      databases,
      notifications,
      notifier,
      templates: createTemplatesService({
        db,
        audit,
        events,
        env,
        deployments,
        catalog: loadTemplateCatalog([CATALOG_DIR, ...(config.templateDirs ?? [])]),
        keepBuiltImages: gitSources.keepBuiltImages,
      }),
      backupDestinations,
      backupRuns,
      backupJobs,
      /** Recovers interrupted deployments, starts the workers and the server monitor. Only the serving process calls this. */
      startBackground: async () => {
        database.checkpointInBackground((event) =>
          'error' in event
            ? logger.error({ err: event.error }, 'a WAL checkpoint failed; retried every second')
            : logger.info('WAL checkpoints work again'),
        )
        await background.start()
        await backupRuns.startRecovery()
        await backupJobs.startScheduler()
      },
      stopBackground: async () => {
        backupJobs.stopScheduler()
        backupRuns.stopRecovery()
        await background.stop()
      },
      /** The image half of the retention job, for the CLI and tests. */
      pruneBuildImages: () => pruneBuildImages({ db, hostForService }),
      /** Stops the deployment workers (their running deployments end as failed) and the proxy sync, then the database. */
      close: async () => {
        backupJobs.stopScheduler()
        backupRuns.stopRecovery()
        await backupRuns.idle()
        await background.stop()
        await proxySync.stop()
        await database.close()
      },
    }
  } catch (error) {
    await database.close()
    throw error
  }
}

import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { AuditService } from '../audit/audit.service.js'
import type { Config } from '../config.js'
import type { DB } from '../db/schema.js'
import type { EventBus } from '../events/event-bus.js'
import { createSettingsService } from '../settings/settings.service.js'
import { createDomainsService } from './config/domains.service.js'
import { createMiddlewaresService } from './config/middlewares.service.js'
import { assertAllRender } from './sync/proxy.check.js'
import { createProxyBrowser } from './sync/proxy.browser.js'
import { createProxyPreview } from './config/proxy.preview.js'
import { createProxySyncService } from './sync/proxy.sync.js'
import { createRoutesService } from './config/routes.service.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  events: EventBus
  logger: Logger
  config: Pick<Config, 'proxyDir' | 'proxyReconcileIntervalMs'>
}

/** Wires the proxy capability for the composition root (app.ts): one place, one way in. */
export function createProxyServices({ db, audit, events, logger, config }: Deps) {
  const deps = { db, audit, events }
  return {
    settings: createSettingsService({ ...deps, checkRouting: assertAllRender }),
    domains: createDomainsService(deps),
    routes: createRoutesService(deps),
    middlewares: createMiddlewaresService(deps),
    proxySync: createProxySyncService({
      db,
      logger,
      proxyDir: config.proxyDir,
      reconcileIntervalMs: config.proxyReconcileIntervalMs,
    }),
    proxyBrowser: createProxyBrowser({ db, proxyDir: config.proxyDir }),
    proxyPreview: createProxyPreview({ db, audit, proxyDir: config.proxyDir }),
  }
}

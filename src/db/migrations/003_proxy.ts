import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

/**
 * Proxy configuration (issue 4): domains, routes, middlewares, instance settings and the record of
 * the files the proxy sync service generated. Portable column types only (varchar, text, integer),
 * so PostgreSQL runs the same migration.
 */
export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('proxy_domains')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(36)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('domain', 'varchar(253)', (c) => c.notNull())
    .addColumn('subdomain', 'varchar(253)')
    // One host routes to one place across the whole instance, whichever team asks for it.
    .addColumn('full_domain', 'varchar(253)', (c) => c.notNull().unique())
    .addColumn('tls', 'integer', (c) => c.notNull())
    .addColumn('cert_resolver', 'varchar(100)')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('proxy_domains_project').on('proxy_domains').column('project_id').execute()

  await db.schema
    .createTable('proxy_middlewares')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(36)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('name', 'varchar(63)', (c) => c.notNull())
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    // JSON, typed per type in proxy/middleware-config.ts; basic-auth passwords are stored hashed only.
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('proxy_middlewares_project_name_unique', ['project_id', 'name'])
    .execute()

  await db.schema
    .createTable('proxy_routes')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('domain_id', 'varchar(36)', (c) => c.notNull().references('proxy_domains.id').onDelete('cascade'))
    .addColumn('target_type', 'varchar(16)', (c) => c.notNull())
    // A route to a deleted service has nowhere to go: it goes with the service.
    .addColumn('service_id', 'varchar(36)', (c) => c.references('services.id').onDelete('cascade'))
    .addColumn('compose_service', 'varchar(63)')
    .addColumn('port', 'integer')
    .addColumn('url', 'varchar(2048)')
    .addColumn('path', 'varchar(1024)', (c) => c.notNull())
    .addColumn('path_match', 'varchar(16)', (c) => c.notNull())
    .addColumn('priority', 'integer')
    .addColumn('health_check', 'text')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('proxy_routes_domain').on('proxy_routes').column('domain_id').execute()
  await db.schema.createIndex('proxy_routes_service').on('proxy_routes').column('service_id').execute()

  // Ordered middleware list of a route. No cascade from middlewares: deleting one still in use is refused.
  await db.schema
    .createTable('proxy_route_middlewares')
    .addColumn('route_id', 'varchar(36)', (c) => c.notNull().references('proxy_routes.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('middleware_id', 'varchar(36)', (c) => c.notNull().references('proxy_middlewares.id'))
    .addPrimaryKeyConstraint('proxy_route_middlewares_pk', ['route_id', 'position'])
    .execute()
  await db.schema
    .createIndex('proxy_route_middlewares_mw')
    .on('proxy_route_middlewares')
    .column('middleware_id')
    .execute()

  await db.schema
    .createTable('instance_settings')
    .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute()

  // What the sync service last wrote; no foreign key to projects, since a deleted project's file
  // must still be known until the sync service has removed it.
  await db.schema
    .createTable('proxy_generated_files')
    .addColumn('path', 'varchar(512)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(36)')
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('last_synced_at', 'varchar(32)', (c) => c.notNull())
    .execute()
}

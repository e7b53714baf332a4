import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildApp, type App } from '../../src/app.js'
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js'
import type { Ability } from '../../src/auth/principal.js'
import { loadConfig } from '../../src/config.js'
import { createHttpServer } from '../../src/http/server.js'
import { databaseEnvFor, dropTestDatabase } from './dialect.js'
import { removeProjectNetworks } from './docker.js'

export const ADMIN_PASSWORD = 'correct-horse-battery'

export type TestApp = {
  app: App
  server: FastifyInstance
  dataDir: string
  /** A bearer token of a fresh user of the given team, holding exactly these abilities. */
  token(abilities: Ability[], team?: string): Promise<string>
  /** Calls the API with a bearer token; returns status, parsed JSON body and headers. */
  call(
    token: string | undefined,
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>
  close(): Promise<void>
}

let userCounter = 0

/** A real Berth (real SQLite file in a temp data dir, real Fastify) with no network port. */
export async function startTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  return startTestAppIn(mkdtempSync(join(tmpdir(), 'berth-test-')), env, options)
}

/** Where the app's log goes (a test may capture it). */
export type TestAppOptions = { logDestination?: NodeJS.WritableStream }

/** Starts Berth on an existing data dir (e.g. to show what survives a restart). */
export async function startTestAppIn(
  dataDir: string,
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const config = loadConfig({
    BERTH_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(await databaseEnvFor(dataDir)),
    ...env,
  })
  const app = await buildApp({ config, logDestination: options.logDestination })
  // Strict: an answer its route's response schema does not describe exactly fails the test (see call below).
  const server = await createHttpServer(app, { strictResponses: true })
  await server.ready()
  await app.startBackground()

  async function token(abilities: Ability[], team = 'Default') {
    const email = `user${++userCounter}-${Date.now()}@example.com`
    // Test users own their team and administer the instance; the token holds exactly what was asked.
    const user = await app.users.create(
      { email, password: ADMIN_PASSWORD, admin: true, instanceAdmin: true, teamName: team },
      SYSTEM_ACTOR,
    )
    const created = await app.tokens.create(
      { userId: user.id, teamId: user.teamId, abilities: new Set(['root', 'instance']) },
      { name: 'test', abilities },
      SYSTEM_ACTOR,
    )
    return created.token
  }

  async function call(bearer: string | undefined, method: InjectOptions['method'], url: string, body?: unknown) {
    const response = await server.inject({
      method,
      url,
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
      ...(body !== undefined && { payload: body as InjectOptions['payload'] }),
    })
    const text = response.body
    const parsed = text && response.headers['content-type']?.toString().includes('json') ? JSON.parse(text) : text
    // Whatever the test expects, a body that does not match its declared schema is a failure of the route.
    if (parsed?.error?.code === 'response_mismatch') throw new Error(parsed.error.message)
    return { status: response.statusCode, body: parsed, headers: response.headers }
  }

  return {
    app,
    server,
    dataDir,
    token,
    call,
    async close() {
      await server.close()
      const projects = await app.db.selectFrom('projects').select('id').execute()
      await app.close()
      await removeProjectNetworks(projects.map((p) => p.id))
      await dropTestDatabase(dataDir)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export const SAMPLE_COMPOSE = `services:
  web:
    image: berth-test/busybox:1
    command: httpd -f -p 80 -h /www
    ports:
      - "8080:80"
    labels:
      traefik.enable: "true"
`

export function composeWithPort(port: number): string {
  return SAMPLE_COMPOSE.replace('8080:80', `${port}:80`)
}

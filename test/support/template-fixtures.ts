import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TEST_IMAGE } from './docker.js'

/**
 * A test-only template on the local busybox image (the catalog's images cannot be pulled here),
 * in a folder of its own for BERTH_TEMPLATE_DIRS. Version 1.1.0 adds a parameter and a secret, and
 * its page shows the greeting before the title.
 */
export function writeDemoTemplate(dir: string, version: '1.0.0' | '1.1.0'): void {
  const v2 = version === '1.1.0'
  const folder = join(dir, 'berth-test-demo')
  mkdirSync(folder, { recursive: true })
  const parameters = [
    { name: 'title', type: 'string', default: 'Demo', description: 'Title shown by the page' },
    ...(v2 ? [{ name: 'greeting', type: 'string', default: 'hello', description: 'A greeting' }] : []),
  ]
  const secrets = [
    { env: 'APP_SECRET', description: 'Secret of the demo', generate: { kind: 'password', length: 24 } },
    ...(v2 ? [{ env: 'APP_TOKEN', description: 'Token added in 1.1.0', generate: { kind: 'hex', bytes: 16 } }] : []),
  ]
  const manifest = {
    id: 'berth-test-demo',
    name: 'Berth test demo',
    description: 'busybox httpd serving its page (tests only)',
    category: 'web',
    tags: ['test'],
    logo: 'https://example.com/logo.svg',
    docs: 'https://example.com/docs',
    version,
    parameters,
    secrets,
    route: { service: 'web', port: 80 },
    health: { services: ['web'], timeout_seconds: 60 },
  }
  writeFileSync(join(folder, 'template.json'), JSON.stringify(manifest, null, 2))
  writeFileSync(
    join(folder, 'compose.yaml'),
    `services:
  web:
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "mkdir -p /srv && echo \\"${v2 ? '$$APP_GREETING ' : ''}$$APP_TITLE\\" > /srv/index.html && exec httpd -f -p 80 -h /srv"]
    environment:
      APP_TITLE: "{{berth.title}}"
      APP_SECRET: \${APP_SECRET}
${v2 ? '      APP_GREETING: "{{berth.greeting}}"\n      APP_TOKEN: ${APP_TOKEN}\n' : ''}    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]
      interval: 1s
      timeout: 2s
      retries: 30
`,
  )
}

/** A fresh folder holding the demo template at the given version. */
export function demoTemplateDir(version: '1.0.0' | '1.1.0' = '1.0.0'): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-templates-'))
  writeDemoTemplate(dir, version)
  return dir
}

const PAGE_COMMAND = `["sh", "-c", "mkdir -p /srv && echo \\"$$TITLE\\" > /srv/index.html && exec httpd -f -p 80 -h /srv"]`
const HEALTHCHECK = `    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]
      interval: 1s
      timeout: 2s
      retries: 30
`

/** A Coolify-format service template written for the tests (magic variables, header comments). */
export const COOLIFY_TEMPLATE = `# documentation: https://example.com/docs
# slogan: A tiny web page for tests.
# tags: test,web
services:
  web:
    image: ${TEST_IMAGE}
    command: ${PAGE_COMMAND}
    environment:
      - SERVICE_FQDN_WEB_80
      - APP_URL=\${SERVICE_URL_WEB}
      - ADMIN_USER=\${SERVICE_USER_ADMIN}
      - ADMIN_PASSWORD=\${SERVICE_PASSWORD_ADMIN}
      - SESSION_KEY=\${SERVICE_BASE64_64_SESSION}
      - TITLE=\${TITLE:-Hello from Coolify}
${HEALTHCHECK}`

/** A Dokploy-format template written for the tests: docker-compose.yml (its page is a mounted file) ... */
export const DOKPLOY_COMPOSE = `services:
  app:
    image: ${TEST_IMAGE}
    command: ["httpd", "-f", "-p", "80", "-h", "/srv"]
    volumes:
      - ../files/site:/srv:ro
    environment:
      - TITLE=\${TITLE}
      - DB_PASSWORD=\${DB_PASSWORD}
      - DATABASE_URL=\${DATABASE_URL}
      - PUBLIC_URL=https://\${APP_HOST}
${HEALTHCHECK}`

/** ... and its template.toml (variables with helpers, two domains, env lines, mounted files, one bound nowhere). */
export const DOKPLOY_TOML = `[variables]
main_domain = "\${domain}"
db_password = "\${password:24}"

[config]
env = [
  "TITLE=Hello from Dokploy",
  "DB_PASSWORD=\${db_password}",
  "DATABASE_URL=postgres://app:\${db_password}@db:5432/app",
  "APP_HOST=\${main_domain}",
]

[[config.domains]]
serviceName = "app"
port = 80
host = "\${main_domain}"

[[config.domains]]
serviceName = "app"
port = 8080
host = "admin.\${main_domain}"

[[config.mounts]]
filePath = "site/index.html"
content = "Hello from Dokploy\\n"

[[config.mounts]]
filePath = "site/about.txt"
content = "Served for \${main_domain}; costs $5"

[[config.mounts]]
filePath = "/app/config.json"
content = "{}"
`

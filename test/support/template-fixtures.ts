import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TEST_IMAGE } from './docker.js'

/**
 * A test-only template on the local busybox image (the catalog's images cannot be pulled here),
 * in a folder of its own for BERTH_TEMPLATE_DIRS. Version 1.1.0 adds a parameter and a secret.
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
    command: ["sh", "-c", "mkdir -p /srv && echo \\"$$APP_TITLE\\" > /srv/index.html && exec httpd -f -p 80 -h /srv"]
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

// Cross-checks our Compose validator against the official Compose Specification schema
// (compose-go's, at ../shared/schemas/): what we accept must be valid there, and what we reject
// for its shape must be invalid there too. Our checks that go beyond shape (port syntax, declared
// volumes, networks and services) have no counterpart in the schema and are not compared.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import { validateComposeText } from '../src/compose/compose.validate.js'
import { parseYamlSafely } from '../src/compose/compose.yaml.js'

const schema = JSON.parse(
  readFileSync(new URL('../../shared/schemas/compose-spec.json', import.meta.url), 'utf8'),
) as object
// The schema is written for compose-go's validator: union types and untyped keywords are
// deliberate there, so Ajv's strict mode would only produce noise.
const validateSchema = new Ajv2020({ allErrors: true, strict: false }).compile(schema)

function accepted(yaml: string): unknown {
  const result = validateComposeText(yaml)
  assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.issues, null, 2))
  return result.value
}

function schemaErrors(value: unknown): ErrorObject[] {
  return validateSchema(value) ? [] : [...(validateSchema.errors ?? [])]
}

const ACCEPTED: Record<string, string> = {
  'a minimal service': 'services:\n  web:\n    image: nginx\n',
  'a Traefik-fronted app with healthcheck, x-extension and merge keys': `
x-defaults: &defaults
  restart: unless-stopped
  logging: {driver: json-file, options: {max-size: "10m"}}
services:
  traefik:
    <<: *defaults
    image: traefik:v3.1
    command: ["--providers.docker=true", "--certificatesresolvers.le.acme.email=\${ACME_EMAIL}"]
    ports:
      - {target: 443, published: 443, protocol: tcp, mode: host}
      - "127.0.0.1:8080:8080"
    volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro", "letsencrypt:/letsencrypt"]
    networks: [proxy]
  web:
    <<: *defaults
    build: {context: ., dockerfile: Dockerfile}
    labels:
      traefik.enable: "true"
      traefik.http.routers.web.rule: Host(\`shop.example.com\`)
      traefik.http.services.web.loadbalancer.server.port: "3000"
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost:3000/health"]
      interval: 30s
      retries: 3
    depends_on: {db: {condition: service_healthy, restart: true}}
    networks: {proxy: null, backend: {aliases: [app]}}
  db:
    image: postgres:16-alpine
    environment: {POSTGRES_USER: shop, POSTGRES_PASSWORD_FILE: /run/secrets/db_password}
    volumes: [{type: volume, source: pgdata, target: /var/lib/postgresql/data}]
    networks: [backend]
    secrets: [db_password]
volumes:
  pgdata:
  letsencrypt: {}
networks:
  proxy: {external: true}
  backend:
secrets:
  db_password: {file: ./db_password.txt}
x-berth: {owner: ops}
`,
  'every port form': `services:
  web:
    image: nginx
    ports: ["80", "8080:81", "127.0.0.1:8082:82", "8000-8010:8000-8010", "83/udp", 84, "[::1]:8085:85",
      "8100-8110:86", "\${HTTP_PORT:-8087}:87", {target: 88, published: "8088", host_ip: 127.0.0.1, protocol: udp}]
`,
  'list forms of labels, environment, depends_on and networks': `services:
  web:
    image: nginx
    labels: ["a=b", "traefik.enable"]
    environment: ["A=1", "B"]
    depends_on: [db]
    networks: [default]
  db:
    build: ./db
`,
}

const REJECTED: { name: string; yaml: string; path: string; pointer: string }[] = [
  { name: 'services as a list', yaml: 'services: [web]\n', path: 'services', pointer: '/services' },
  {
    name: 'a service that is not a mapping',
    yaml: 'services:\n  web: 3\n',
    path: 'services.web',
    pointer: '/services/web',
  },
  {
    name: 'a numeric image',
    yaml: 'services:\n  web:\n    image: 3\n',
    path: 'services.web.image',
    pointer: '/services/web/image',
  },
  {
    name: 'a numeric build',
    yaml: 'services:\n  web:\n    build: 3\n',
    path: 'services.web.build',
    pointer: '/services/web/build',
  },
  {
    name: 'an invalid service name',
    yaml: 'services:\n  "my web":\n    image: nginx\n',
    path: 'services["my web"]',
    pointer: '/services/my web',
  },
  {
    name: 'an invalid top-level key',
    yaml: 'services:\n  web:\n    image: nginx\n"foo bar": 1\n',
    path: '["foo bar"]',
    pointer: '/foo bar',
  },
  ...[
    ['ports as a string', 'ports: "80:80"', 'services.web.ports', '/services/web/ports'],
    ['a port given as a list', 'ports: [[80]]', 'services.web.ports[0]', '/services/web/ports/0'],
    [
      'a boolean port target',
      'ports: [{target: true}]',
      'services.web.ports[0].target',
      '/services/web/ports/0/target',
    ],
    [
      'a long-syntax volume without type',
      'volumes: [{target: /a}]',
      'services.web.volumes[0].type',
      '/services/web/volumes/0',
    ],
    [
      'an unknown volume type',
      'volumes: [{type: nfs, target: /a}]',
      'services.web.volumes[0].type',
      '/services/web/volumes/0',
    ],
    ['a numeric volume', 'volumes: [3]', 'services.web.volumes[0]', '/services/web/volumes/0'],
    ['networks as a string', 'networks: front', 'services.web.networks', '/services/web/networks'],
    ['a nested label value', 'labels: {a: [1]}', 'services.web.labels.a', '/services/web/labels'],
    ['environment as a string', 'environment: "A=1"', 'services.web.environment', '/services/web/environment'],
  ].map(([name = '', lines = '', path = '', pointer = '']) => ({
    name,
    yaml: `services:\n  web:\n    image: nginx\n    ${lines}\n`,
    path,
    pointer,
  })),
  {
    name: 'a dependency without a condition',
    yaml: 'services:\n  web:\n    image: nginx\n    depends_on: {db: {}}\n  db:\n    image: postgres\n',
    path: 'services.web.depends_on.db',
    pointer: '/services/web/depends_on/db',
  },
  ...[
    ['an empty top-level volumes', 'volumes:\n', 'volumes', '/volumes'],
    ['a numeric network definition', 'networks:\n  front: 1\n', 'networks.front', '/networks/front'],
    ['an empty secret definition', 'secrets:\n  token:\n', 'secrets.token', '/secrets/token'],
  ].map(([name = '', tail = '', path = '', pointer = '']) => ({
    name,
    yaml: `services:\n  web:\n    image: nginx\n${tail}`,
    path,
    pointer,
  })),
]

describe('the compose validator against the Compose Specification schema', () => {
  for (const [name, yaml] of Object.entries(ACCEPTED)) {
    it(`accepts ${name}, which the schema accepts too`, () => {
      assert.deepEqual(schemaErrors(accepted(yaml)), [])
    })
  }

  for (const { name, yaml, path, pointer } of REJECTED) {
    it(`rejects ${name} at ${path || '(root)'}, which the schema rejects at the same place`, () => {
      const result = validateComposeText(yaml)
      assert.ok(!result.ok, 'our validator accepted it')
      assert.ok(
        result.issues.some((issue) => issue.path === path),
        JSON.stringify(result.issues),
      )
      const errors = schemaErrors(parsedValue(yaml))
      assert.ok(errors.length > 0, 'the schema accepted it')
      // An error at the pointer, above it (additionalProperties, oneOf) or below it counts.
      const related = errors.some(
        ({ instancePath }) => pointer.startsWith(instancePath) || instancePath.startsWith(pointer),
      )
      assert.ok(related, JSON.stringify(errors.map((error) => error.instancePath)))
    })
  }
})

/** The document as plain data for the schema; only structural rejections are listed, so it parses. */
function parsedValue(yaml: string): unknown {
  const parsed = parseYamlSafely(yaml)
  assert.ok(parsed.ok, 'the test document does not parse')
  return parsed.value
}

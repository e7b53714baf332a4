import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { validateComposeStructure, validateComposeText } from './compose.validate.js'

const REALISTIC_COMPOSE = `name: shop

x-defaults: &defaults
  restart: unless-stopped
  logging:
    driver: json-file
    options:
      max-size: "10m"

services:
  traefik:
    <<: *defaults
    image: traefik:v3.1
    command:
      - --providers.docker=true
      - --providers.docker.exposedbydefault=false
      - "--providers.docker.defaultRule=Host(\`{{ normalize .Name }}.example.com\`)"
      - --certificatesresolvers.le.acme.email=\${ACME_EMAIL:-ops@example.com}
    ports:
      - target: 443
        published: 443
        protocol: tcp
        mode: host
      - "127.0.0.1:8080:8080"
      - "[::1]:8081:8080"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
      - letsencrypt:/letsencrypt
    networks: [proxy]
  web:
    <<: *defaults
    build:
      context: .
      dockerfile: Dockerfile
    labels:
      traefik.enable: "true"
      traefik.http.routers.web.rule: Host(\`shop.example.com\`)
      traefik.http.routers.web.entrypoints: websecure
      traefik.http.routers.web.tls.certresolver: le
      traefik.http.services.web.loadbalancer.server.port: "3000"
    environment:
      - NODE_ENV=production
      - DATABASE_URL=postgres://shop:\${DB_PASSWORD}@db:5432/shop
      - DEBUG
    depends_on:
      db:
        condition: service_healthy
        restart: true
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost:3000/health"]
      interval: 30s
      retries: 3
    networks:
      proxy:
      backend:
        aliases: [app]
    ports:
      - "3000"
      - "8000-8010:8000-8010"
      - "9000:9000/udp"
      - 9100
  db:
    image: postgres:16-alpine
    environment:
      POSTGRES_USER: shop
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    volumes:
      - type: volume
        source: pgdata
        target: /var/lib/postgresql/data
      - ./init.sql:/docker-entrypoint-initdb.d/init.sql:ro
    networks: [backend]
    secrets: [db_password]
    x-backup: {schedule: daily}

volumes:
  pgdata:
  letsencrypt: {}
networks:
  proxy:
    external: true
  backend:
secrets:
  db_password:
    file: ./db_password.txt
`

/** Issues as `path: message`, the way a user sees them. */
function problems(text: string): string[] {
  const result = validateComposeText(text)
  return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.message}`)
}

function paths(text: string): string[] {
  const result = validateComposeText(text)
  return result.ok ? [] : result.issues.map((issue) => issue.path)
}

/** A one-service file whose `web` service has the given extra YAML lines (indented by 4). */
function web(lines: string, topLevel = ''): string {
  return `services:\n  web:\n    image: nginx\n${lines.replace(/^/gm, '    ')}\n${topLevel}`
}

describe('validateComposeText', () => {
  it('accepts a realistic file with Traefik labels, healthcheck, x-extensions and long-syntax ports', () => {
    const result = validateComposeText(REALISTIC_COMPOSE)
    assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.issues, null, 2))
    assert.equal((result.value as { name: string }).name, 'shop')
  })

  it('returns parse issues unchanged for broken YAML', () => {
    const result = validateComposeText('services:\n  web: [\n')
    assert.ok(!result.ok)
    assert.equal(result.issues[0]?.path, '')
    assert.equal(typeof result.issues[0]?.line, 'number')
  })

  it('sets the 1-based line of the offending node', () => {
    const result = validateComposeText(
      'services:\n  web:\n    image: nginx\n    ports:\n      - "80"\n      - "80:abc"\n',
    )
    assert.ok(!result.ok)
    assert.deepEqual(
      result.issues.map(({ path, line }) => ({ path, line })),
      [{ path: 'services.web.ports[1]', line: 6 }],
    )
  })

  it('points a value merged in with << at the nearest node in the source', () => {
    const result = validateComposeText(
      'x-ports: &ports\n  ports: ["80:abc"]\nservices:\n  web:\n    <<: *ports\n    image: nginx\n',
    )
    assert.ok(!result.ok)
    assert.deepEqual(
      result.issues.map(({ path, line }) => ({ path, line })),
      [{ path: 'services.web.ports[0]', line: 4 }],
    )
  })
})

describe('validateComposeStructure: the top level', () => {
  it('requires a mapping', () => {
    assert.deepEqual(problems('- a\n'), [': a Compose file must be a mapping with a "services" key, but it is a list'])
  })

  it('requires a non-empty services mapping', () => {
    assert.deepEqual(problems('name: x\n'), [
      'services: must be a mapping with at least one service, but it is missing',
    ])
    assert.deepEqual(problems('services: {}\n'), [
      'services: must be a mapping with at least one service, but it is an empty mapping',
    ])
    assert.deepEqual(paths('services: [web]\n'), ['services'])
  })

  it("rejects top-level keys and names outside Compose's pattern", () => {
    assert.deepEqual(paths('services:\n  "my web":\n    image: nginx\n"foo bar": 1\n'), [
      '["foo bar"]',
      'services["my web"]',
    ])
    assert.deepEqual(paths(web('', 'volumes:\n  "bad/name": {}\n')), ['volumes["bad/name"]'])
  })

  it('requires volumes, networks, secrets and configs to be mappings of definitions', () => {
    assert.deepEqual(paths(web('', 'volumes: [data]\n')), ['volumes'])
    assert.deepEqual(paths(web('', 'volumes:\n')), ['volumes'])
    assert.deepEqual(paths(web('', 'networks:\n  front: 1\n')), ['networks.front'])
    assert.deepEqual(paths(web('', 'secrets:\n  token:\n')), ['secrets.token'])
    assert.deepEqual(paths(web('', 'configs: "x"\n')), ['configs'])
  })

  it('lets unknown keys and x- extensions through', () => {
    assert.deepEqual(problems(web('foo: 1\nx-anything: {a: [1]}', 'x-meta: {owner: ops}\nversion: "3.9"\n')), [])
  })

  it('skips checks without a document, and then gives no line', () => {
    const issues = validateComposeStructure({ services: { web: { image: 'nginx', ports: ['80:abc'] } } })
    assert.equal(issues.length, 1)
    assert.equal(issues[0]?.path, 'services.web.ports[0]')
    assert.equal(issues[0]?.line, undefined)
  })
})

describe('validateComposeStructure: a service', () => {
  it('must be a mapping with an image or a build', () => {
    assert.deepEqual(problems('services:\n  web:\n'), [
      'services.web: must be a mapping with an "image" or a "build", but it is empty',
    ])
    assert.deepEqual(problems('services:\n  web:\n    restart: always\n'), [
      'services.web: needs an "image" to run or a "build" to build one',
    ])
    assert.deepEqual(paths('services:\n  web:\n    image: 3\n'), ['services.web.image'])
    assert.deepEqual(paths('services:\n  web:\n    image: ""\n'), ['services.web.image'])
    assert.deepEqual(paths('services:\n  web:\n    build: 3\n'), ['services.web.build'])
  })

  it('accepts a build given as a path or a mapping, and a service that extends another', () => {
    const text = 'services:\n  a:\n    build: ./a\n  b:\n    build: {context: ./b}\n  c:\n    extends: a\n'
    assert.deepEqual(problems(text), [])
  })
})

describe('validateComposeStructure: ports', () => {
  it('accepts the short and long syntaxes Compose accepts', () => {
    const ports = [
      '"80"',
      '"8080:80"',
      '"127.0.0.1:8080:80"',
      '"8000-8010:8000-8010"',
      '"80/udp"',
      '80',
      '"[::1]:8080:80"',
      '"127.0.0.1::80"',
      '"8000-8010:80"',
      '"0:80"',
      '"${HTTP_PORT:-8080}:80"',
      '{target: 80, published: "8080", protocol: udp, host_ip: 127.0.0.1, mode: host}',
      '{target: "80", published: 8000-8001}',
    ]
    assert.deepEqual(problems(web(`ports: [${ports.join(', ')}]`)), [])
  })

  it('names the mapping and the reason for a bad short-syntax port', () => {
    assert.deepEqual(problems(web('ports: ["80:abc"]')), [
      'services.web.ports[0]: "80:abc" is not a valid port mapping: "abc" is not a container port or range (1-65535)',
    ])
  })

  it('rejects out-of-range ports, mismatched ranges, unknown protocols and bad addresses', () => {
    const bad = [
      '"70000:80"',
      '"8080:80-81"',
      '"80/foo"',
      '"1.2.3:80:80"',
      '"::1:8080:80"',
      '"8080:"',
      '""',
      '0',
      '1.5',
      '"81-80"',
    ]
    const result = paths(web(`ports: [${bad.join(', ')}]`))
    assert.deepEqual(
      result,
      bad.map((_, index) => `services.web.ports[${index}]`),
    )
  })

  it('checks the long syntax field by field', () => {
    const text = web(
      'ports:\n  - published: 80\n  - {target: abc}\n  - {target: 80, published: x}\n  - {target: 80, protocol: foo}\n  - [80]',
    )
    assert.deepEqual(paths(text), [
      'services.web.ports[0]',
      'services.web.ports[1].target',
      'services.web.ports[2].published',
      'services.web.ports[3].protocol',
      'services.web.ports[4]',
    ])
  })

  it('must be a list', () => {
    assert.deepEqual(paths(web('ports: "80:80"')), ['services.web.ports'])
  })
})

describe('validateComposeStructure: volumes', () => {
  it('accepts bind mounts, declared named volumes, anonymous volumes and the long syntax', () => {
    const volumes = [
      '"./src:/app"',
      '"/data"',
      '"~/cache:/cache:ro"',
      '"data:/data:rw,z"',
      '"C:\\\\data:/data"',
      '"${HOST_DIR}:/data"',
      '{type: bind, source: ./conf, target: /etc/conf, read_only: true}',
      '{type: tmpfs, target: /tmp}',
      '{type: volume, source: data, target: /d}',
    ]
    assert.deepEqual(problems(web(`volumes: [${volumes.join(', ')}]`, 'volumes:\n  data:\n')), [])
  })

  it('rejects malformed mounts and undeclared named volumes', () => {
    assert.deepEqual(problems(web('volumes: ["/a::/b", "/data:ro", "/a:/b:ro:x", "data:/data"]')), [
      'services.web.volumes[0]: "/a::/b" is not a valid volume: it has an empty section between ":"',
      'services.web.volumes[1]: "/data:ro" is not a valid volume: the container path "ro" is not absolute',
      'services.web.volumes[2]: "/a:/b:ro:x" is not a valid volume: it has too many ":" (expected SOURCE:TARGET[:MODE])',
      'services.web.volumes[3]: uses volume "data", which is not declared under the top-level "volumes"',
    ])
  })

  it('checks the long syntax field by field', () => {
    const text = web(
      'volumes:\n  - {target: /a}\n  - {type: bind, source: /a, target: rel}\n  - {type: volume, source: gone, target: /g}\n  - 3',
    )
    assert.deepEqual(paths(text), [
      'services.web.volumes[0].type',
      'services.web.volumes[1].target',
      'services.web.volumes[2].source',
      'services.web.volumes[3]',
    ])
  })
})

describe('validateComposeStructure: networks, labels, environment, depends_on', () => {
  it('accepts the list and mapping forms', () => {
    const lines = [
      'networks: {front: {aliases: [w]}, default: null}',
      'labels: ["a=b", "traefik.enable"]',
      'environment: {A: 1, B: true, C: null, D: text}',
      'depends_on: {db: {condition: service_started}}',
    ]
    assert.deepEqual(problems(`${web(lines.join('\n'))}  db:\n    image: postgres\nnetworks:\n  front:\n`), [])
  })

  it('rejects undeclared networks and malformed entries', () => {
    assert.deepEqual(paths(web('networks: [front, 3]')), ['services.web.networks[0]', 'services.web.networks[1]'])
    assert.deepEqual(paths(web('networks: {front: 1}', 'networks:\n  front:\n')), ['services.web.networks.front'])
    assert.deepEqual(paths(web('networks: front')), ['services.web.networks'])
  })

  it('rejects labels and environment entries without a name or with nested values', () => {
    assert.deepEqual(problems(web('labels: ["=x", 3]\nenvironment: {A: [1]}')), [
      'services.web.labels[0]: "=x" is not a valid label: the name before "=" is empty',
      'services.web.labels[1]: must be a string like "KEY=value", but it is the number 3',
      'services.web.environment.A: must be a string, number, boolean or empty, but it is a list',
    ])
    assert.deepEqual(paths(web('environment: "A=1"')), ['services.web.environment'])
  })

  it('rejects dependencies on unknown services and without a valid condition', () => {
    const text = web('depends_on:\n  ghost: {condition: service_started}\n  db: {}\n  cache: {condition: soon}')
    const withOthers = `${text}  db:\n    image: postgres\n  cache:\n    image: redis\n`
    assert.deepEqual(paths(withOthers), [
      'services.web.depends_on.ghost',
      'services.web.depends_on.db',
      'services.web.depends_on.cache',
    ])
    assert.deepEqual(paths(web('depends_on: [ghost]')), ['services.web.depends_on[0]'])
  })

  it('skips reference checks when include may bring the declarations', () => {
    assert.deepEqual(
      problems(`include: [other.yaml]\n${web('depends_on: [db]\nnetworks: [front]\nvolumes: ["data:/data"]')}`),
      [],
    )
  })
})

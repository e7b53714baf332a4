import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT } from './support/cli.js'
import { composeConfig, requireDocker } from './support/docker.js'

describe('packaging', () => {
  it('docker-compose.yml passes docker compose config: Berth beside Traefik on named volumes, a backup profile', async (t) => {
    if (!(await requireDocker(t))) return
    const config = composeConfig('docker-compose.yml')
    const { berth, traefik, backup } = config.services
    assert.ok(berth.healthcheck && traefik.healthcheck, 'both services have health checks')
    assert.equal(berth.restart, 'unless-stopped')
    assert.deepEqual(backup.profiles, ['backup'])
    const proxyMount = traefik.volumes.find((v: any) => v.source === 'berth-proxy')
    assert.equal(
      proxyMount.type,
      'volume',
      'Traefik mounts the generated directory as a named volume, never single files',
    )
    assert.equal(proxyMount.read_only, true)
    assert.ok(berth.volumes.some((v: any) => v.source === 'berth-data' && v.target === '/app/data'))
    assert.ok(berth.volumes.some((v: any) => v.target === '/var/run/docker.sock'))
    assert.ok(Object.keys(config.volumes).includes('berth-data'))
  })

  it('docker-compose.dev.yml passes docker compose config with bind mounts', async (t) => {
    if (!(await requireDocker(t))) return
    const config = composeConfig('docker-compose.dev.yml')
    assert.ok(config.services.berth.volumes.some((v: any) => v.type === 'bind' && v.target === '/app/data'))
  })

  it('the image runs as a non-root user with its data in a volume and a liveness health check', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
    assert.match(finalStage, /^USER node$/m)
    assert.match(finalStage, /^VOLUME \["\/app\/data"/m)
    assert.match(finalStage, /HEALTHCHECK[\s\S]*\/health\/live/)
    assert.match(finalStage, /DATABASE_PATH=\/app\/data\/berth\.db/)
  })

  it('.env.example documents every setting Berth reads', () => {
    const example = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8')
    const config = readFileSync(join(REPO_ROOT, 'src', 'config.ts'), 'utf8')
    const read = [...new Set([...config.matchAll(/^\s+([A-Z][A-Z0-9_]+): z\./gm)].map((m) => m[1]!))]
    assert.ok(read.length >= 10)
    for (const name of read)
      assert.match(example, new RegExp(`^#? ?${name}=`, 'm'), `${name} is missing from .env.example`)
  })
})

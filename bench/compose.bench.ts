// Versioned compose updates per second and current-compose reads per second, in-process, on a
// real SQLite file (WAL, synchronous=NORMAL). Run: npm run bench. Prints the median of 5 rounds.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../src/app.js'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { loadConfig } from '../src/config.js'

const ROUNDS = 5
const UPDATES_PER_ROUND = 2_000
const READS_PER_ROUND = 20_000

function composeFile(i: number): string {
  return `services:\n  web:\n    image: berth-test/busybox:1\n    command: httpd -f -p 80 -h /www\n    ports:\n      - "${10000 + (i % 50000)}:80"\n    labels:\n      traefik.enable: "true"\n      revision: "${i}"\n`
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-'))
const app = await buildApp({ config: loadConfig({ BERTH_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }) })
try {
  const user = await app.users.create(
    { email: 'bench@example.com', password: 'bench-password', admin: true },
    SYSTEM_ACTOR,
  )
  const actor = { ...SYSTEM_ACTOR, teamId: user.teamId }
  const project = await app.projects.create(user.teamId, { name: 'bench' }, actor)
  const service = await app.services.create(user.teamId, project.id, { name: 'web', compose: composeFile(0) }, actor)

  const updateRates: number[] = []
  const readRates: number[] = []
  let version = 1
  for (let round = 0; round < ROUNDS; round++) {
    let started = performance.now()
    for (let i = 0; i < UPDATES_PER_ROUND; i++) {
      const written = await app.compose.update(
        user.teamId,
        service.id,
        { yaml: composeFile(version), baseVersion: version },
        actor,
      )
      version = written.version
    }
    updateRates.push(UPDATES_PER_ROUND / ((performance.now() - started) / 1000))

    started = performance.now()
    for (let i = 0; i < READS_PER_ROUND; i++) await app.compose.getCurrent(user.teamId, service.id)
    readRates.push(READS_PER_ROUND / ((performance.now() - started) / 1000))
  }
  const fmt = (rates: number[]) => rates.map((r) => Math.round(r)).join(', ')
  console.log(
    `versioned compose updates/s: median ${Math.round(median(updateRates))} (rounds: ${fmt(updateRates)}; target >= 2000)`,
  )
  console.log(
    `current-compose reads/s:     median ${Math.round(median(readRates))} (rounds: ${fmt(readRates)}; target >= 20000)`,
  )
  console.log(`history length at the end: ${version} versions`)
} finally {
  await app.close()
  rmSync(dataDir, { recursive: true, force: true })
}

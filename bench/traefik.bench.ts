// Route changes going live through a real Traefik: the time from a committed route change (the
// service call returned) until Traefik answers from the new target. Traefik (scripts/setup-test-host.sh
// installs it) runs in a container on the `berth` network with Berth's own static file and watches
// the dynamic directory the sync service writes, as in production; the targets are two local HTTP
// servers on the host's address in that network. Run: npm run bench:traefik. Prints p50 / p99 / max
// over many changes (goal: p99 under 50 ms) and the machine load.
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { proxyNetworkGateway, startBerthTraefik, traefikVersion } from '../test/support/traefik.js'
import {
  BENCH_HOST,
  CHANGES,
  createBenchRoute,
  get,
  listen,
  machineLoad,
  p50p99,
  startBenchBerth,
  twoTargets,
  until,
} from './support/route-bench.js'

const dir = mkdtempSync(join(tmpdir(), 'berth-traefik-bench-'))
const gateway = await proxyNetworkGateway()
const targets = twoTargets()
const berth = await startBenchBerth(dir)
const { app, teamId, actor } = berth
let traefik: Awaited<ReturnType<typeof startBerthTraefik>> | undefined
try {
  const ports = await Promise.all(targets.map((t) => listen(t, gateway)))
  await app.settings.update({ http_to_https_redirect: false }, actor)
  app.proxySync.start(app.events)
  await app.proxySync.idle()
  traefik = await startBerthTraefik(app.config.proxyDir, dir)
  const { projectId, routeId } = await createBenchRoute(berth, `http://${gateway}:${ports[0]}`)
  const ip = traefik.ip
  const firstMs = await until(async () => (await get(ip, 80, BENCH_HOST)) === 'a')

  const file = join(app.config.proxyDir, 'dynamic', `project-${projectId}.yml`)
  const liveMs: number[] = []
  const fileMs: number[] = []
  for (let i = 1; i <= CHANGES; i++) {
    const next = i % 2
    const url = `http://${gateway}:${ports[next]}`
    const committed = performance.now()
    await app.routes.update(teamId, routeId, { target: { url } }, actor)
    let written = 0
    liveMs.push(
      await until(async () => {
        if (written === 0 && readFileSync(file, 'utf8').includes(url)) written = performance.now() - committed
        return (await get(ip, 80, BENCH_HOST)) === ['a', 'b'][next]
      }),
    )
    fileMs.push(written || liveMs.at(-1)!)
  }
  console.log(`Traefik ${traefikVersion()}; ${machineLoad()}`)
  console.log(`first route live through Traefik after ${firstMs.toFixed(0)} ms`)
  console.log(
    `committed route change -> live through Traefik: ${p50p99(liveMs)}, max ${Math.max(...liveMs).toFixed(1)} ms (goal: p99 under 50 ms; ${CHANGES} changes)`,
  )
  console.log(`  of which committed change -> file renamed into place: ${p50p99(fileMs)}`)

  // The same through Traefik alone: a file renamed into the directory by this script (no database,
  // no fsync), so the figure above can be read against what Traefik itself takes on this machine.
  const baselineMs: number[] = []
  const baseline = join(app.config.proxyDir, 'dynamic', 'bench-baseline.yml')
  const putBaseline = (port: number) => {
    writeFileSync(
      `${baseline}.tmp`,
      stringify({
        http: {
          routers: { baseline: { rule: 'Host(`baseline.berth.test`)', service: 'baseline', entryPoints: ['web'] } },
          services: { baseline: { loadBalancer: { servers: [{ url: `http://${gateway}:${port}` }] } } },
        },
      }),
    )
    renameSync(`${baseline}.tmp`, baseline)
  }
  putBaseline(ports[0]!)
  await until(async () => (await get(ip, 80, 'baseline.berth.test')) === 'a')
  for (let i = 1; i <= CHANGES; i++) {
    const next = i % 2
    const started = performance.now()
    putBaseline(ports[next]!)
    await until(async () => (await get(ip, 80, 'baseline.berth.test')) === ['a', 'b'][next])
    baselineMs.push(performance.now() - started)
  }
  console.log(`baseline, a file renamed into the directory by hand -> live through Traefik: ${p50p99(baselineMs)}`)
  const errors = traefik.errorLines()
  if (errors.length > 0) console.log(`Traefik logged ${errors.length} error lines, the first: ${errors[0]}`)
} finally {
  await app.close()
  await traefik?.stop()
  for (const t of targets) t.close()
  rmSync(dir, { recursive: true, force: true })
}

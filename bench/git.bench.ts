// Applications from Git: time from a push webhook received to the new version answering, through
// Berth (signature check, queue, shallow fetch, BuildKit build by `docker compose build`, compose
// version, compose up, health gate), side by side with the same steps by hand (`git fetch && docker
// build && docker compose up -d --wait`, the legacy builder of a CLI without buildx) against the
// same real Git server (git http-backend). Run: npm run bench:git.
// BENCH_RUNS changes the number of runs; prints medians.
import { execFile, execFileSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { composeProjectName } from '../src/deployments/resources.js'
import { freePort, httpGet } from '../test/support/docker.js'
import { startGitServer } from '../test/support/git-server.js'
import { waitForFinished } from '../test/support/deploy-helpers.js'
import { startTestApp } from '../test/support/harness.js'

const run = promisify(execFile)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const IMAGE = 'berth-test/busybox:1'
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!
const dockerfile = `FROM ${IMAGE}\nCOPY index.html /www/index.html\n`
const compose = (image: string, port: number) =>
  `services:\n  web:\n    image: ${image}\n    command: httpd -f -p 80 -h /www\n    stop_grace_period: 1s\n    ports:\n      - "127.0.0.1:${port}:80"\n`

async function answers(port: number, body: string) {
  for (;;) {
    if ((await httpGet(`http://127.0.0.1:${port}/`))?.body.trim() === body) return
    await new Promise((r) => setTimeout(r, 25))
  }
}

const gitServer = await startGitServer()
const repo = gitServer.createRepo('bench')
const t = await startTestApp()
const rawDir = mkdtempSync(join(tmpdir(), 'berth-bench-git-raw-'))
const rawProject = `bench-git-raw-${process.pid}`
let serviceId = ''
try {
  repo.push({ Dockerfile: dockerfile, 'index.html': 'start\n' }, 'Start')
  const token = await t.token(['root'])
  const projectId = (await t.call(token, 'POST', '/api/v1/projects', { name: 'bench-git' })).body.uuid
  const berthPort = await freePort()
  const rawPort = await freePort()
  serviceId = (
    await t.call(token, 'POST', `/api/v1/projects/${projectId}/services`, {
      name: 'site',
      compose: compose(IMAGE, berthPort),
    })
  ).body.uuid
  await t.call(token, 'PUT', `/api/v1/services/${serviceId}/git`, {
    repo_url: repo.url,
    dockerfile_path: 'Dockerfile',
    compose_service: 'web',
  })
  const secret = (await t.call(token, 'POST', `/api/v1/services/${serviceId}/git/webhook-secret`)).body.secret
  execFileSync('git', ['init', '--quiet', rawDir])
  const berth: number[] = []
  const raw: number[] = []
  // Run 0 warms both sides (first fetch, base image layers); it is not counted.
  for (let i = 0; i <= RUNS; i++) {
    const sha = repo.push({ 'index.html': `run ${i}\n` }, `Run ${i}`)
    const body = JSON.stringify({ ref: 'refs/heads/main', after: sha })
    let started = performance.now()
    const res = await t.server.inject({
      method: 'POST',
      url: `/api/v1/webhooks/git/${serviceId}`,
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      payload: body,
    })
    if (res.statusCode !== 202) throw new Error(`webhook answered ${res.statusCode}: ${res.body}`)
    // A deployment that fails throws here with its log, rather than leaving the page to wait forever.
    await waitForFinished(t, token, res.json().deployment_uuid)
    await answers(berthPort, `run ${i}`)
    if (i > 0) berth.push(performance.now() - started)

    started = performance.now()
    // Asynchronously: the Git server runs in this process and must keep answering.
    await run('git', ['fetch', '--depth', '1', '--no-tags', repo.url, sha], { cwd: rawDir })
    await run('git', ['checkout', '--quiet', '--force', '--detach', 'FETCH_HEAD'], { cwd: rawDir })
    await run('docker', ['build', '--quiet', '--tag', `${rawProject}:${sha}`, rawDir])
    writeFileSync(join(rawDir, 'compose.yaml'), compose(`${rawProject}:${sha}`, rawPort))
    await run('docker', ['compose', '--project-name', rawProject, 'up', '-d', '--wait', '--remove-orphans'], {
      cwd: rawDir,
    })
    await answers(rawPort, `run ${i}`)
    if (i > 0) raw.push(performance.now() - started)
  }
  const b = median(berth)
  const r = median(raw)
  console.log(`git push -> new version answering, median of ${RUNS} runs (one busybox image, one COPY layer)`)
  console.log(`  Berth (webhook, fetch, build, compose version, up, health gate): ${b.toFixed(0)} ms`)
  console.log(`  by hand (git fetch && docker build && docker compose up -d --wait): ${r.toFixed(0)} ms`)
  console.log(
    `  Berth's extra time: ${(b - r).toFixed(0)} ms (${((b / r - 1) * 100).toFixed(0)} %), its BuildKit build through docker compose included`,
  )
} finally {
  await t.close()
  for (const project of [rawProject, serviceId && composeProjectName(serviceId)].filter(Boolean))
    execFileSync('docker', ['compose', '--project-name', project, 'down', '--timeout', '0', '--remove-orphans'], {
      cwd: rawDir,
      stdio: 'ignore',
    })
  for (const reference of [rawProject, `berth/${serviceId}`]) {
    const tags = execFileSync('docker', [
      'images',
      '--format',
      '{{.Repository}}:{{.Tag}}',
      '--filter',
      `reference=${reference}`,
    ])
      .toString()
      .split('\n')
      .filter(Boolean)
    if (tags.length > 0) execFileSync('docker', ['rmi', ...tags], { stdio: 'ignore' })
  }
  rmSync(rawDir, { recursive: true, force: true })
  repo.remove()
  await gitServer.close()
}

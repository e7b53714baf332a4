// A throw-away PostgreSQL server from Debian's packages, for the test runner's PostgreSQL pass
// and for the fault test that stops and starts the server under a running Berth.
import { spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

/**
 * Starts a private PostgreSQL server (trust auth, loopback only, no fsync: data is thrown away).
 * Answers { url, stop, pause, resume } or { error }: pause stops the server and keeps its data, resume starts it again on the same port.
 */
export async function startPostgres() {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : []
  const bin = versions.length > 0 ? `/usr/lib/postgresql/${versions.at(-1)}/bin` : undefined
  if (!bin) return { error: 'PostgreSQL is not installed (run scripts/setup-test-host.sh)' }
  const dir = mkdtempSync(join(tmpdir(), 'berth-pg-'))
  // PostgreSQL refuses to run as root; run it as the postgres user the package created.
  const asPostgres = process.getuid?.() === 0
  if (asPostgres)
    chownSync(
      dir,
      Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout),
      Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout),
    )
  const run = (cmd, args) =>
    spawnSync(asPostgres ? 'runuser' : cmd, asPostgres ? ['-u', 'postgres', '--', cmd, ...args] : args, {
      encoding: 'utf8',
    })
  const init = run(`${bin}/initdb`, ['-D', `${dir}/data`, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  if (init.status !== 0) return { error: `initdb failed: ${init.stderr}` }
  const port = await freePort()
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`
  const startServer = () =>
    run(`${bin}/pg_ctl`, ['-D', `${dir}/data`, '-l', `${dir}/server.log`, '-o', options, '-w', 'start'])
  // immediate: a crash, fine for throw-away data; fast: what a restart of the service does (with
  // synchronous_commit off, only a clean shutdown keeps the last commits).
  const stopServer = (mode) => run(`${bin}/pg_ctl`, ['-D', `${dir}/data`, '-m', mode, 'stop'])
  const start = startServer()
  if (start.status !== 0)
    return {
      error: `PostgreSQL did not start: ${start.stderr}${existsSync(`${dir}/server.log`) ? readFileSync(`${dir}/server.log`, 'utf8') : ''}`,
    }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      stopServer('immediate')
      rmSync(dir, { recursive: true, force: true })
    },
    pause() {
      const stopped = stopServer('fast')
      if (stopped.status !== 0) throw new Error(`pg_ctl stop failed: ${stopped.stderr}`)
    },
    resume() {
      const started = startServer()
      if (started.status !== 0) throw new Error(`pg_ctl start failed: ${started.stderr}`)
    },
  }
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

export type CliResult = { status: number | null; stdout: string; stderr: string }

const cliCommand = (args: string[]) => [process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args]] as const
const cliEnv = (env: Record<string, string>) => ({ ...process.env, LOG_LEVEL: 'silent', ...env })

/** Runs the real `berth` CLI (from source through tsx) with the given data dir. */
export function berth(args: string[], env: Record<string, string>, input?: string): CliResult {
  const run = spawnSync(...cliCommand(args), {
    cwd: REPO_ROOT,
    env: cliEnv(env),
    input: input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

/**
 * `berth` without blocking, for invocations that do not depend on each other: each costs a few
 * seconds of module loading, which two can spend side by side.
 */
export function berthAsync(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  const child = spawn(...cliCommand(args), { cwd: REPO_ROOT, env: cliEnv(env), timeout: 60_000 })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdin.end(input ?? '')
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

/**
 * Starts `berth serve` on a free port and resolves with its base URL once it listens: from source
 * through tsx, or `compiled` from dist/ as `npm start` runs it (tsx's loader costs ~45 MiB of RSS).
 */
export async function startServer(
  env: Record<string, string>,
  { compiled = false, nodeArgs = [] as string[] } = {},
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const entry = [...nodeArgs, ...(compiled ? ['dist/cli.js', 'serve'] : ['--import', 'tsx', 'src/cli.ts', 'serve'])]
  const child = spawn(process.execPath, entry, {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`berth serve did not start: ${stderr}`)), 30_000)
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(stderr)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.on('exit', (code) => reject(new Error(`berth serve exited with ${code}: ${stderr}`)))
  })
  return {
    url,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

export type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>

/** Calls the /api/v1 of a running `berth serve` over real HTTP with a bearer token. */
export function bearerApi(url: string, token: string): Api {
  return async (method, path, body) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as any }
  }
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

export type CliResult = { status: number | null; stdout: string; stderr: string }

/** Runs the real `berth` CLI (from source through tsx) with the given data dir. */
export function berth(args: string[], env: Record<string, string>, input?: string): CliResult {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    input: input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
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

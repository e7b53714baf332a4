import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type ComposeCliCheck =
  | { ran: true; ok: boolean; output: string; durationMs: number }
  | { ran: false; reason: string }

const TIMEOUT_MS = 30_000

/**
 * Asks Compose itself (`docker compose config -q`) whether a rendered file is valid: the
 * authoritative check. It costs ~120 ms, so it runs on demand and before deployments, not on every save.
 * `env` is what Compose interpolates; `redact` scrubs values that must not reach the caller.
 */
export async function checkWithComposeCli(
  renderedYaml: string,
  env: Record<string, string>,
  redact: (text: string) => string,
): Promise<ComposeCliCheck> {
  // An empty scratch directory: relative paths in the file resolve there, and nothing of ours is readable.
  const cwd = await mkdtemp(join(tmpdir(), 'berth-validate-'))
  const started = performance.now()
  try {
    const child = spawn('docker', ['compose', '--project-name', 'berth-validate', '--file', '-', 'config', '--quiet'], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: TIMEOUT_MS,
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stdin.end(renderedYaml)
    const result = await new Promise<{ code: number | null } | { error: NodeJS.ErrnoException }>((resolve) => {
      child.on('error', (error) => resolve({ error }))
      child.on('close', (code) => resolve({ code }))
    })
    if ('error' in result)
      return {
        ran: false,
        reason: result.error.code === 'ENOENT' ? 'the docker CLI is not installed' : result.error.message,
      }
    if (/unknown command|is not a docker command/i.test(output))
      return { ran: false, reason: 'the Docker Compose v2 plugin is not installed' }
    return {
      ran: true,
      ok: result.code === 0,
      output: redact(output.trim()),
      durationMs: Math.round(performance.now() - started),
    }
  } finally {
    await rm(cwd, { recursive: true, force: true })
  }
}

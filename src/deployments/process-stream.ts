import type { ChildProcess } from 'node:child_process'
import { killProcessGroup } from '../servers/docker-host.js'
import { createLineSplitter } from '../shared/lines.js'
import { createTail } from './compose-errors.js'
import type { LogWriter } from './log-writer.js'

export type StepResult = { exitCode: number | null; errorLines: readonly string[] }

/**
 * Streams a started process group's output into a deployment's log line by line until it ends;
 * the abort signal kills the whole group. `start` runs inside so a spawn failure rejects the
 * promise. The last stderr lines are returned: they name the cause of a failure.
 */
export function streamProcess(
  start: () => ChildProcess,
  {
    log,
    signal,
    what,
    onSpawn,
  }: { log: LogWriter; signal: AbortSignal; what: string; onSpawn?: (pid: number) => Promise<void> },
): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess
    try {
      child = start()
    } catch (error) {
      reject(error)
      return
    }
    const out = createLineSplitter((line) => log.append('stdout', line))
    const tail = createTail()
    const err = createLineSplitter((line) => {
      tail.push(line)
      log.append('stderr', line)
    })
    child.stdout!.setEncoding('utf8').on('data', (c: string) => out.push(c))
    child.stderr!.setEncoding('utf8').on('data', (c: string) => err.push(c))
    if (child.pid !== undefined && onSpawn) {
      // Not being able to record the pid means a restart could not find the process: stop it rather than run untracked.
      onSpawn(child.pid).catch((error: unknown) => {
        killProcessGroup(child)
        reject(error)
      })
    }
    const onAbort = () => killProcessGroup(child)
    signal.addEventListener('abort', onAbort, { once: true })
    child.on('error', (error) => {
      signal.removeEventListener('abort', onAbort)
      reject(new Error(`could not start ${what}: ${error.message}`, { cause: error }))
    })
    child.on('close', (code) => {
      signal.removeEventListener('abort', onAbort)
      out.end()
      err.end()
      resolve({ exitCode: code, errorLines: tail.lines })
    })
    if (signal.aborted) onAbort()
  })
}

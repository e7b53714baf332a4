import type { ChildProcess } from 'node:child_process'
import type { Logger } from 'pino'
import { createLineSplitter } from '../shared/lines.js'
import { killProcessGroup, type DockerHost } from './docker-host.js'

export type EngineEventWatchers = ReturnType<typeof createEngineEventWatchers>

const DEBOUNCE_MS = 1000
const RESTART_DELAY_MS = 30_000

/**
 * Follows each server's container events (`docker events`) and asks for a state refresh after a
 * burst of them, so the live state follows starts and stops without waiting for the interval.
 * A watcher that ends (engine stopped, ssh dropped) asks for a refresh at once and is started again
 * after a pause.
 */
export function createEngineEventWatchers(opts: { logger: Pick<Logger, 'warn'>; onActivity(serverId: string): void }) {
  const watchers = new Map<string, { child: ChildProcess; timer?: NodeJS.Timeout; restart?: NodeJS.Timeout }>()
  let stopped = false

  function watch(serverId: string, host: DockerHost) {
    if (stopped || watchers.has(serverId)) return
    const child = host.follow(['events', '--filter', 'type=container', '--format', '{{.Action}}'])
    const entry: { child: ChildProcess; timer?: NodeJS.Timeout; restart?: NodeJS.Timeout } = { child }
    watchers.set(serverId, entry)
    const lines = createLineSplitter(() => {
      entry.timer ??= setTimeout(() => {
        entry.timer = undefined
        opts.onActivity(serverId)
      }, DEBOUNCE_MS)
    })
    child.stdout!.setEncoding('utf8').on('data', (c: string) => lines.push(c))
    child.stderr!.resume()
    child.on('error', (error) => opts.logger.warn({ err: error, serverId }, 'docker events could not start'))
    child.on('close', (code) => {
      clearTimeout(entry.timer)
      if (stopped || watchers.get(serverId) !== entry) return
      opts.logger.warn({ serverId, code }, 'docker events ended; following again in 30 s')
      // Most often the engine went away: check it now, so the server shows unreachable at once.
      opts.onActivity(serverId)
      entry.restart = setTimeout(() => {
        watchers.delete(serverId)
        watch(serverId, host)
      }, RESTART_DELAY_MS)
      entry.restart.unref()
    })
  }

  function stop() {
    stopped = true
    for (const w of watchers.values()) {
      clearTimeout(w.timer)
      clearTimeout(w.restart)
      killProcessGroup(w.child, 1000)
    }
    watchers.clear()
  }

  return {
    watch,
    stop,
    forget: (serverId: string) => {
      const w = watchers.get(serverId)
      if (!w) return
      watchers.delete(serverId)
      clearTimeout(w.timer)
      clearTimeout(w.restart)
      killProcessGroup(w.child, 1000)
    },
  }
}

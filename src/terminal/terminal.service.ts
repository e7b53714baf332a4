import type { Duplex } from 'node:stream'
import type { Kysely } from 'kysely'
import { actorOf, type AuditService } from '../audit/audit.service.js'
import type { Principal } from '../auth/principal.js'
import type { DB, ResourceType } from '../db/schema.js'
import type { ResourceRuntimeService } from '../deployments/resource-runtime.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { assertContainerId } from '../servers/docker-host.js'
import { enginePost, engineUpgrade } from './engine-api.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  resourceRuntime: Pick<ResourceRuntimeService, 'running'>
}

export type TerminalSize = { cols: number; rows: number }

/** An open shell in a container: its output, and what the browser may do with it. */
export type TerminalSession = {
  container: string
  /** Paused until the caller has its listeners in place and resumes it. */
  output: Duplex
  input(data: string): void
  resize(size: TerminalSize): Promise<void>
  /** Ends the shell and writes the session's closing audit row (once, whoever calls first). */
  close(reason: string): Promise<void>
}

// bash where the image has it, else the POSIX shell every image with a shell carries.
const SHELL = ['sh', '-c', 'command -v bash >/dev/null 2>&1 && exec bash || exec sh']
// An exec with a terminal outlives its client (the engine keeps the pty open), so closing sends
// what a person would type to leave: Ctrl-C ends a running command, Ctrl-D an empty prompt's shell.
const LEAVE_KEYS = ['\x03', '\x04']
const LEAVE_GAP_MS = 100

export type TerminalService = ReturnType<typeof createTerminalService>

export function createTerminalService({ db, audit, resourceRuntime }: Deps) {
  /** The running container a terminal would open in (404 for another team's resource, 409 when nothing runs). */
  async function target(teamId: string, type: ResourceType, id: string, container?: string) {
    const running = await resourceRuntime.running(teamId, id, type)
    const chosen = container ? running.containers.find((c) => c.name === container) : running.containers[0]
    if (!chosen) {
      if (container) throw new NotFoundError(`No running container ${container} belongs to ${type} ${id}.`)
      throw new ConflictError(
        'not_running',
        `No container of ${type} ${running.resourceName} is running: deploy it first.`,
      )
    }
    assertContainerId(chosen.id)
    return { ...running, container: chosen }
  }

  async function open(
    principal: Principal,
    { type, id, container, size }: { type: ResourceType; id: string; container?: string; size: TerminalSize },
  ): Promise<TerminalSession> {
    const { host, serverId, container: chosen } = await target(principal.teamId, type, id, container)
    const exec = await enginePost<{ Id: string }>(host, `/containers/${chosen.id}/exec`, {
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      Env: ['TERM=xterm-256color'],
      Cmd: SHELL,
    })
    if (!exec) throw new NotFoundError(`The engine made no exec in container ${chosen.name}.`)
    const output = await engineUpgrade(host, `/exec/${exec.Id}/start`, { Detach: false, Tty: true })
    const resize = async ({ cols, rows }: TerminalSize) => {
      await enginePost(host, `/exec/${exec.Id}/resize?h=${rows}&w=${cols}`)
    }
    const startedAt = Date.now()
    const details = { container: chosen.name, server_id: serverId, exec_id: exec.Id }
    const actor = actorOf(principal)
    await db
      .transaction()
      .execute((trx) =>
        audit.record(trx, actor, { action: 'terminal.opened', resourceType: type, resourceId: id, details }),
      )
    await resize(size)
    let closing: Promise<void> | undefined
    return {
      container: chosen.name,
      output,
      input: (data) => {
        if (!output.writableEnded) output.write(data)
      },
      resize,
      close(reason) {
        closing ??= (async () => {
          for (const key of LEAVE_KEYS) {
            if (output.writableEnded || output.destroyed) break
            output.write(key)
            await new Promise((r) => setTimeout(r, LEAVE_GAP_MS))
          }
          output.destroy()
          const seconds = Math.round((Date.now() - startedAt) / 1000)
          await db.transaction().execute((trx) =>
            audit.record(trx, actor, {
              action: 'terminal.closed',
              resourceType: type,
              resourceId: id,
              details: { ...details, seconds, reason },
            }),
          )
        })()
        return closing
      },
    }
  }

  return { target, open }
}

import { userInfo } from 'node:os'
import { buildApp, type App } from '../app.js'
import type { Actor } from '../audit/audit.service.js'
import { loadConfig } from '../config.js'

/** Runs a CLI action against the same data dir (and database) the server uses, then closes it. */
export async function withApp<T>(action: (app: App) => Promise<T>): Promise<T> {
  const app = await buildApp({ config: loadConfig() })
  try {
    return await action(app)
  } finally {
    await app.close()
  }
}

/** Whoever runs the CLI on the host already has the data dir; audit rows name the OS user. */
export function cliActor(): Actor {
  return { type: 'system', id: null, name: `cli:${userInfo().username}`, teamId: null, via: 'cli', ip: null }
}

/** Reads all of standard input (for --password-stdin), without the trailing newline. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

import { Command } from 'commander'
import { buildApp } from '../app.js'
import { ensureFirstAdmin } from '../bootstrap.js'
import { loadConfig } from '../config.js'
import { createHttpServer } from '../http/server.js'

export function serveCommand(): Command {
  return new Command('serve').description('Run the Berth server (HOST, PORT, BERTH_DATA_DIR...)').action(async () => {
    const config = loadConfig()
    const app = await buildApp({ config })
    const server = await createHttpServer(app)
    const admin = await ensureFirstAdmin(app)
    await app.startBackground()
    const address = await server.listen({ host: config.host, port: config.port })
    const lines = [
      `Berth is listening on ${address}`,
      `  data:     ${config.dataDir} (database ${config.database.dialect === 'sqlite' ? config.database.path : 'postgres'})`,
      `  API docs: ${address}/api/docs`,
      `  log in:   POST ${address}/api/v1/auth/login`,
    ]
    if (admin === 'created') lines.push(`  first admin created: ${config.admin?.email}`)
    if (admin === 'missing') lines.push('  no user yet: create one with  echo "a-long-password" | npx berth user create --email you@example.com --password-stdin --admin')
    process.stderr.write(`${lines.join('\n')}\n`)

    const stop = async (signal: string) => {
      server.log.info({ signal }, 'shutting down')
      await server.close()
      await app.close()
      process.exit(0)
    }
    process.once('SIGINT', () => void stop('SIGINT'))
    process.once('SIGTERM', () => void stop('SIGTERM'))
  })
}

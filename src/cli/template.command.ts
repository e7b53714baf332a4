import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import type { App } from '../app.js'
import { findProjectTeam } from '../projects/projects.repo.js'
import { cliActor, withApp } from './context.js'

type DeployOptions = {
  project: string
  name: string
  domain?: string
  set: string[]
  image: string[]
  deploy?: boolean
}

const collect = (value: string, previous: string[]) => [...previous, value]

/** `key=value` pairs; values that read as numbers or booleans become those (the API checks them against the types). */
function pairs(list: string[], what: string, typed: boolean): Record<string, string | number | boolean> {
  return Object.fromEntries(
    list.map((item) => {
      const eq = item.indexOf('=')
      if (eq < 1) throw new Error(`${what} "${item}" must look like name=value`)
      const raw = item.slice(eq + 1)
      const value = !typed
        ? raw
        : raw === 'true'
          ? true
          : raw === 'false'
            ? false
            : /^-?\d+$/.test(raw)
              ? Number(raw)
              : raw
      return [item.slice(0, eq), value]
    }),
  )
}

function printResult(result: Awaited<ReturnType<App['templates']['deploy']>>) {
  process.stderr.write(`Created ${result.service.name} from ${result.template.id} ${result.template.version}.\n`)
  if (result.route)
    process.stderr.write(`Route: ${result.route.domain} -> ${result.route.compose_service}:${result.route.port}\n`)
  // Shown once: the operator of the host may read every secret anyway, and nothing else shows them again.
  for (const secret of result.secrets) process.stderr.write(`secret ${secret.key}=${secret.value}\n`)
  if (result.deployment_uuid) process.stderr.write(`Deployment ${result.deployment_uuid} queued.\n`)
  process.stdout.write(`${result.service.uuid}\n`)
}

function deployOptions(command: Command): Command {
  return command
    .requiredOption('--project <uuid>', 'project to create the service in')
    .requiredOption('--name <name>', 'service name')
    .option('--domain <host>', 'host name to route to the service')
    .option('--set <name=value>', 'a parameter value (repeatable)', collect, [])
    .option('--image <service=image>', 'replace a compose service image (repeatable)', collect, [])
    .option('--deploy', 'queue a deployment after creating')
}

export function templateCommand(): Command {
  const template = new Command('template').description('One-click templates: the catalog and deploying from it')
  template
    .command('list')
    .description('List the template catalog')
    .action(async () => {
      await withApp(async (app) => {
        for (const t of app.templates.list())
          process.stdout.write(`${t.id.padEnd(24)} ${t.version.padEnd(8)} ${t.category.padEnd(14)} ${t.name}\n`)
      })
    })
  deployOptions(template.command('deploy'))
    .description('Create a service from a catalog template')
    .argument('<template>', 'template id (see "berth template list")')
    .action(async (id: string, opts: DeployOptions) => {
      await withApp(async (app) => {
        const teamId = await findProjectTeam(app.db, opts.project)
        const input = {
          name: opts.name,
          domain: opts.domain,
          parameters: pairs(opts.set, 'Parameter', true),
          images: pairs(opts.image, 'Image', false) as Record<string, string>,
          deploy: opts.deploy,
        }
        printResult(await app.templates.deploy(teamId, opts.project, id, input, { ...cliActor(), teamId }, true))
      })
    })
  deployOptions(template.command('import'))
    .description(
      'Create a service from a Coolify template (a compose file) or a Dokploy one (a folder with template.toml)',
    )
    .argument('<path>', 'Coolify compose file, or Dokploy template folder')
    .option('--dry-run', 'convert and report only')
    .action(async (path: string, opts: DeployOptions & { dryRun?: boolean }) => {
      const dokploy = statSync(path).isDirectory()
      const composeFile = dokploy
        ? ['docker-compose.yml', 'docker-compose.yaml', 'compose.yaml'].map((f) => join(path, f)).find(existsSync)
        : path
      if (!composeFile) throw new Error(`${path} has no docker-compose.yml`)
      await withApp(async (app) => {
        const teamId = await findProjectTeam(app.db, opts.project)
        const imported = await app.templates.importTemplate(
          teamId,
          opts.project,
          {
            format: dokploy ? 'dokploy' : 'coolify',
            compose: readFileSync(composeFile, 'utf8'),
            templateToml: dokploy ? readFileSync(join(path, 'template.toml'), 'utf8') : undefined,
            name: opts.name,
            domain: opts.domain,
            parameters: pairs(opts.set, 'Parameter', true),
            images: pairs(opts.image, 'Image', false) as Record<string, string>,
            deploy: opts.deploy,
            dryRun: opts.dryRun,
          },
          { ...cliActor(), teamId },
          true,
        )
        for (const line of imported.report.converted) process.stderr.write(`converted      ${line}\n`)
        for (const line of imported.report.not_converted) process.stderr.write(`not converted  ${line}\n`)
        for (const line of imported.report.warnings) process.stderr.write(`warning        ${line}\n`)
        if (imported.result) printResult(imported.result)
        else process.stdout.write(imported.compose)
      })
    })
  return template
}

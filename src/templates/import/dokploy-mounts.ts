import { isMap, isScalar, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml'
import { BadRequestError } from '../../errors.js'
import type { ImportReport } from './import.types.js'

export type DokployMount = { filePath?: string; content?: string }

const FILES = '../files/'

/** A path as Dokploy's `filePath` and a `../files/` bind name it: no leading `./` or `/`, no trailing `/`. */
const normalized = (path: string) => path.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '')

/** A literal `$` of a file's content, doubled so Compose does not read it as a variable; `${name}` references stay. */
const escapedContent = (content: string) => content.replace(/\$(?!\{[A-Za-z0-9_:.-]+\})/g, '$$$$')

/**
 * Dokploy writes each `config.mounts` file into a `files` folder beside the compose project, which
 * the compose file binds as `../files/<filePath>` (the file, or a folder holding it). Berth keeps no
 * folder beside a compose file, so each such bind becomes a Compose config with the file's content
 * inline (`configs: { name: { content } }`) mounted at the same place. `${variable}` references in
 * the content are left for the import's variable pass; a literal `$` is doubled.
 */
export function mountsAsConfigs(composeText: string, mounts: DokployMount[]): { compose: string } & ImportReport {
  const converted: string[] = []
  const notConverted: string[] = []
  const files = mounts
    .filter((m): m is Required<DokployMount> => typeof m.filePath === 'string' && typeof m.content === 'string')
    .map((m) => ({ path: normalized(m.filePath), content: m.content, used: false }))
  if (files.length === 0) return { compose: composeText, converted, not_converted: notConverted }

  const document = parseDocument(composeText)
  const [invalid] = document.errors
  if (invalid) throw new BadRequestError('invalid_template', `The compose file cannot be parsed: ${invalid.message}`)
  const configs = new Map<string, string>()
  const configName = (path: string) => {
    const base = `file_${path.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`.slice(0, 60)
    let name = base
    for (let n = 2; configs.has(name); n++) name = `${base}_${n}`
    return name
  }

  const services = document.get('services')
  for (const pair of isMap(services) ? services.items : []) {
    const service = pair.value as YAMLMap
    const volumes = isMap(service) ? service.get('volumes') : undefined
    if (!isSeq(volumes)) continue
    const mounted: { source: string; target: string }[] = []
    volumes.items = (volumes as YAMLSeq).items.filter((item) => {
      const bind = bindOf(item)
      if (!bind?.source.startsWith(FILES)) return true
      const folder = normalized(bind.source.slice(FILES.length))
      const inside = files.filter((f) => f.path === folder || f.path.startsWith(`${folder}/`))
      if (inside.length === 0) return true
      for (const file of inside) {
        file.used = true
        const name = configName(file.path)
        configs.set(name, file.content)
        const target =
          file.path === folder
            ? bind.target
            : `${bind.target.replace(/\/+$/, '')}/${file.path.slice(folder.length + 1)}`
        mounted.push({ source: name, target })
        converted.push(`the mounted file ${file.path} -> config ${name} at ${target}`)
      }
      return false
    })
    if (mounted.length === 0) continue
    if (volumes.items.length === 0) service.delete('volumes')
    const existing = service.get('configs')
    if (isSeq(existing)) for (const m of mounted) existing.add(document.createNode(m))
    else service.set('configs', document.createNode(mounted))
  }
  for (const file of files.filter((f) => !f.used))
    notConverted.push(`the mounted file ${file.path}: no volume of the compose file binds ${FILES}${file.path}`)
  if (configs.size > 0) {
    const top = document.get('configs')
    const entries = [...configs].map(([name, content]) => [name, { content: escapedContent(content) }] as const)
    if (isMap(top)) for (const [name, value] of entries) top.set(name, document.createNode(value))
    else document.set('configs', document.createNode(Object.fromEntries(entries)))
  }
  return { compose: document.toString(), converted, not_converted: notConverted }
}

/** A bind volume's source and target: `source:target[:mode]` or `{ source, target }`. */
function bindOf(item: unknown): { source: string; target: string } | undefined {
  if (isScalar(item) && typeof item.value === 'string') {
    const [source, target] = item.value.split(':')
    return source && target ? { source, target } : undefined
  }
  if (isMap(item)) {
    const source = item.get('source')
    const target = item.get('target')
    return typeof source === 'string' && typeof target === 'string' ? { source, target } : undefined
  }
  return undefined
}

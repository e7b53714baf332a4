import { isIP } from 'node:net'
import type { ComposeDocument, ComposeIssue, ParseComposeResult, PathSegment } from './compose.types.js'
import { formatPath, locate, MAX_ISSUES, parseYamlSafely } from './compose.yaml.js'

/** Compose's pattern for service, volume, network, secret and config names and top-level keys. */
export const COMPOSE_NAME_PATTERN = /^[a-zA-Z0-9._-]+$/

const NAME_RULE = 'use only letters, digits, ".", "_" and "-"'
const PROTOCOLS = ['tcp', 'udp', 'sctp']
const VOLUME_TYPES = ['bind', 'volume', 'tmpfs', 'cluster', 'npipe', 'image']
const CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully']
const SECTIONS = { volumes: 'volume', networks: 'network', secrets: 'secret', configs: 'config' }

type Report = (path: PathSegment[], message: string) => void
/** Names declared in this file; `check` is off when `include` may declare more elsewhere. */
type Refs = { check: boolean; services: Set<string>; volumes: Set<string>; networks: Set<string> }

/** Parses and checks a Compose file; all issues found are returned (up to MAX_ISSUES), not just the first. */
export function validateComposeText(text: string): ParseComposeResult {
  const parsed = parseYamlSafely(text)
  if (!parsed.ok) return parsed
  const issues = validateComposeStructure(parsed.value, parsed.document)
  return issues.length > 0 ? { ok: false, issues: issues.slice(0, MAX_ISSUES) } : parsed
}

/**
 * Checks the parts of a Compose file that Berth relies on; keys it does not know pass, so
 * anything Compose accepts beyond them (x-* extensions, healthcheck, deploy...) is left alone.
 * Strings holding `${VAR}` interpolation are not format-checked: Compose fills them in later.
 */
export function validateComposeStructure(value: unknown, document?: ComposeDocument): ComposeIssue[] {
  const issues: ComposeIssue[] = []
  const report: Report = (path, message) =>
    issues.push({ path: formatPath(path), message, ...(document && locate(document, path)) })
  if (!isRecord(value)) {
    report([], `a Compose file must be a mapping with a "services" key, but it is ${describe(value)}`)
    return issues
  }
  const badKeys = Object.keys(value).filter((key) => !COMPOSE_NAME_PATTERN.test(key))
  for (const key of badKeys) report([key], `${quote(key)} is not a valid top-level key (${NAME_RULE})`)
  for (const [section, noun] of Object.entries(SECTIONS)) checkSection(report, section, noun, value[section])
  const { services, volumes, networks } = value
  const refs: Refs = {
    check: value.include === undefined,
    services: keysOf(services),
    volumes: keysOf(volumes),
    networks: keysOf(networks),
  }
  if (!isRecord(services) || Object.keys(services).length === 0) {
    report(['services'], `must be a mapping with at least one service, but it is ${describe(services)}`)
  } else {
    for (const [name, service] of Object.entries(services)) checkService(report, name, service, refs)
  }
  return issues
}

function checkSection(report: Report, section: string, noun: string, value: unknown): void {
  if (value === undefined) return
  if (!isRecord(value))
    return report([section], `must be a mapping of ${noun} names to definitions, but it is ${describe(value)}`)
  // A volume or network may be declared with no options; secrets and configs need a source.
  const mayBeEmpty = section === 'volumes' || section === 'networks'
  for (const [name, definition] of Object.entries(value)) {
    if (!COMPOSE_NAME_PATTERN.test(name))
      report([section, name], `${quote(name)} is not a valid ${noun} name (${NAME_RULE})`)
    if (!isRecord(definition) && !(mayBeEmpty && definition === null)) {
      report([section, name], `must be a mapping${mayBeEmpty ? ' or empty' : ''}, but it is ${describe(definition)}`)
    }
  }
}

function checkService(report: Report, name: string, service: unknown, refs: Refs): void {
  const path = ['services', name]
  if (!COMPOSE_NAME_PATTERN.test(name)) report(path, `${quote(name)} is not a valid service name (${NAME_RULE})`)
  if (!isRecord(service))
    return report(path, `must be a mapping with an "image" or a "build", but it is ${describe(service)}`)
  const { image, build } = service
  if (image !== undefined && !(typeof image === 'string' && image.trim() !== '')) {
    report([...path, 'image'], `must be an image reference such as "nginx:1.27", but it is ${describe(image)}`)
  }
  if (build !== undefined && !isRecord(build) && !(typeof build === 'string' && build !== '')) {
    report([...path, 'build'], `must be a build context path or a mapping, but it is ${describe(build)}`)
  }
  // `extends` brings the image or build from the service it extends.
  if (image === undefined && build === undefined && service.extends === undefined) {
    report(path, 'needs an "image" to run or a "build" to build one')
  }
  if (service.ports !== undefined) checkPorts(report, [...path, 'ports'], service.ports)
  if (service.volumes !== undefined) checkVolumes(report, [...path, 'volumes'], service.volumes, refs)
  if (service.networks !== undefined) checkNameRefs(report, [...path, 'networks'], service.networks, refs, NETWORKS)
  if (service.labels !== undefined) checkListOrMap(report, [...path, 'labels'], service.labels, 'label')
  if (service.environment !== undefined)
    checkListOrMap(report, [...path, 'environment'], service.environment, 'environment entry')
  if (service.depends_on !== undefined)
    checkNameRefs(report, [...path, 'depends_on'], service.depends_on, refs, DEPENDS_ON)
}

function checkPorts(report: Report, path: PathSegment[], ports: unknown): void {
  if (!Array.isArray(ports)) return report(path, `must be a list of port mappings, but it is ${describe(ports)}`)
  ports.forEach((port: unknown, index) => {
    const at = [...path, index]
    if (typeof port === 'number') {
      if (!portValue(port, 1, false)) report(at, `${port} is not a valid container port (1-65535)`)
    } else if (typeof port === 'string') {
      const problem = interpolated(port) ? undefined : shortPortProblem(port)
      if (problem) report(at, `${quote(port)} is not a valid port mapping: ${problem}`)
    } else if (isRecord(port)) {
      checkLongPort(report, at, port)
    } else {
      report(at, `must be a port mapping such as "8080:80" or a mapping with "target", but it is ${describe(port)}`)
    }
  })
}

/** Why a `[HOST_IP:][HOST:]CONTAINER[/PROTOCOL]` mapping is wrong, or undefined when it is not. */
function shortPortProblem(spec: string): string | undefined {
  const [mapping = '', protocol, ...rest] = spec.split('/')
  if (rest.length > 0 || (protocol !== undefined && !PROTOCOLS.includes(protocol))) {
    return 'the protocol after "/" must be tcp, udp or sctp'
  }
  const parts = mapping.split(':')
  const container = parts.at(-1) ?? ''
  const host = parts.length > 1 ? parts.at(-2) : undefined
  const ip = parts.length > 2 ? parts.slice(0, -2).join(':') : undefined
  if (ip !== undefined) {
    // Compose takes IPv6 only in brackets; bare, its colons would be read as separators.
    const bracketed = /^\[(.*)\]$/.exec(ip)?.[1]
    if (bracketed !== undefined ? isIP(bracketed) !== 6 : isIP(ip) !== 4) {
      return `${quote(ip)} is not an IP address (write IPv6 addresses in brackets, as in "[::1]:8080:80")`
    }
  }
  if (container === '') return 'the container port is missing'
  const target = portRange(container, 1)
  if (!target) return `${quote(container)} is not a container port or range (1-65535)`
  if (host === undefined || host === '') return undefined
  const published = portRange(host, 0)
  if (!published) return `${quote(host)} is not a host port or range (0-65535)`
  // A host range with one container port means "any free port in the range"; two ranges must match.
  if (target.end !== target.start && published.end - published.start !== target.end - target.start) {
    return 'the host and container port ranges have different lengths'
  }
  return undefined
}

function checkLongPort(report: Report, path: PathSegment[], port: Record<string, unknown>): void {
  const { target, published, protocol, host_ip: hostIp } = port
  if (target === undefined) report(path, 'needs a "target": the container port')
  else if (!portValue(target, 1, false))
    report([...path, 'target'], `must be a container port (1-65535), but it is ${describe(target)}`)
  if (published !== undefined && !portValue(published, 0, true)) {
    report([...path, 'published'], `must be a host port or range (0-65535), but it is ${describe(published)}`)
  }
  if (protocol !== undefined && !stringThat(protocol, (text) => PROTOCOLS.includes(text))) {
    report([...path, 'protocol'], `must be tcp, udp or sctp, but it is ${describe(protocol)}`)
  }
  if (hostIp !== undefined && !stringThat(hostIp, (text) => isIP(text) !== 0)) {
    report([...path, 'host_ip'], `must be an IP address, but it is ${describe(hostIp)}`)
  }
}

function portValue(value: unknown, min: number, allowRange: boolean): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= min && value <= 65535
  return stringThat(value, (text) => {
    const range = portRange(text, min)
    return range !== undefined && (allowRange || range.start === range.end)
  })
}

function portRange(text: string, min: number): { start: number; end: number } | undefined {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text)
  if (!match) return undefined
  const [start, end] = [Number(match[1]), Number(match[2] ?? match[1])]
  return start >= min && start <= end && end <= 65535 ? { start, end } : undefined
}

function checkVolumes(report: Report, path: PathSegment[], volumes: unknown, refs: Refs): void {
  if (!Array.isArray(volumes)) return report(path, `must be a list of mounts, but it is ${describe(volumes)}`)
  volumes.forEach((volume: unknown, index) => {
    const at = [...path, index]
    if (typeof volume === 'string') {
      if (interpolated(volume)) return
      const parts = splitVolume(volume)
      const target = parts.length === 1 ? parts[0] : parts[1]
      const problem =
        volume === ''
          ? 'it is empty'
          : parts.length > 3
            ? 'it has too many ":" (expected SOURCE:TARGET[:MODE])'
            : parts.includes('')
              ? 'it has an empty section between ":"'
              : !isAbsolute(target ?? '')
                ? `the container path ${quote(target ?? '')} is not absolute`
                : undefined
      if (problem) return report(at, `${quote(volume)} is not a valid volume: ${problem}`)
      if (parts.length > 1) checkVolumeRef(report, at, parts[0] ?? '', refs)
    } else if (isRecord(volume)) {
      const { type, target, source } = volume
      const typeText = `must be one of ${VOLUME_TYPES.join(', ')}, but it is ${describe(type)}`
      if (!stringThat(type, (text) => VOLUME_TYPES.includes(text))) report([...at, 'type'], typeText)
      if (!stringThat(target, isAbsolute))
        report([...at, 'target'], `must be an absolute container path, but it is ${describe(target)}`)
      if (type === 'volume' && typeof source === 'string') checkVolumeRef(report, [...at, 'source'], source, refs)
    } else {
      report(
        at,
        `must be a mount such as "data:/var/lib/data" or a mapping with "type" and "target", but it is ${describe(volume)}`,
      )
    }
  })
}

/** Splits SOURCE:TARGET[:MODE], keeping a Windows drive ("C:\data") whole as compose-go does. */
function splitVolume(spec: string): string[] {
  const parts: string[] = []
  for (const part of spec.split(':')) {
    const last = parts.at(-1)
    if (last !== undefined && /^[A-Za-z]$/.test(last) && /^[\\/]/.test(part))
      parts[parts.length - 1] = `${last}:${part}`
    else parts.push(part)
  }
  return parts
}

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\\\') || /^[A-Za-z]:[\\/]/.test(path)
}

function checkVolumeRef(report: Report, path: PathSegment[], source: string, refs: Refs): void {
  // Paths (./data, /srv, ~/x, C:\x) are bind mounts; a bare name is a volume Compose must know.
  const named = source !== '' && !/^[./~\\]/.test(source) && !/^[A-Za-z]:/.test(source) && !interpolated(source)
  if (named && refs.check && !refs.volumes.has(source)) {
    report(path, `uses volume ${quote(source)}, which is not declared under the top-level "volumes"`)
  }
}

function checkListOrMap(report: Report, path: PathSegment[], value: unknown, noun: string): void {
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => {
      // Compose reads "KEY" alone as an empty label, or as a variable taken from the environment.
      if (typeof item !== 'string')
        report([...path, index], `must be a string like "KEY=value", but it is ${describe(item)}`)
      else if (item.split('=')[0] === '')
        report([...path, index], `${quote(item)} is not a valid ${noun}: the name before "=" is empty`)
    })
  } else if (isRecord(value)) {
    const nested = Object.entries(value).filter(
      ([, item]) => item !== null && !['string', 'number', 'boolean'].includes(typeof item),
    )
    for (const [key, item] of nested)
      report([...path, key], `must be a string, number, boolean or empty, but it is ${describe(item)}`)
  } else {
    report(path, `must be a list of "KEY=value" strings or a mapping, but it is ${describe(value)}`)
  }
}

type NameRefs = {
  noun: string
  undeclared: string
  isDeclared: (name: string, refs: Refs) => boolean
  optionsProblem: (options: unknown) => string | undefined
}

const NETWORKS: NameRefs = {
  noun: 'network',
  // Every project has a "default" network without declaring it.
  isDeclared: (name, refs) => name === 'default' || refs.networks.has(name),
  undeclared: 'is not declared under the top-level "networks"',
  optionsProblem: (options) =>
    options === null || isRecord(options) ? undefined : `must be a mapping or empty, but it is ${describe(options)}`,
}

const DEPENDS_ON: NameRefs = {
  noun: 'service',
  isDeclared: (name, refs) => refs.services.has(name),
  undeclared: 'is not a service in this file',
  optionsProblem: (options) =>
    !isRecord(options)
      ? `must be a mapping with a "condition", but it is ${describe(options)}`
      : typeof options.condition === 'string' && CONDITIONS.includes(options.condition)
        ? undefined
        : `needs a "condition": one of ${CONDITIONS.join(', ')}`,
}

/** `networks` and `depends_on`: a list of names, or a mapping from each name to its options. */
function checkNameRefs(report: Report, path: PathSegment[], value: unknown, refs: Refs, spec: NameRefs): void {
  const checkName = (at: PathSegment[], name: string) => {
    if (refs.check && !interpolated(name) && !spec.isDeclared(name, refs))
      report(at, `${quote(name)} ${spec.undeclared}`)
  }
  if (Array.isArray(value)) {
    value.forEach((name: unknown, index) => {
      if (typeof name === 'string') checkName([...path, index], name)
      else report([...path, index], `must be a ${spec.noun} name, but it is ${describe(name)}`)
    })
  } else if (isRecord(value)) {
    for (const [name, options] of Object.entries(value)) {
      checkName([...path, name], name)
      const problem = spec.optionsProblem(options)
      if (problem) report([...path, name], problem)
    }
  } else {
    report(path, `must be a list of ${spec.noun} names or a mapping, but it is ${describe(value)}`)
  }
}

/** True when Compose will substitute variables into the string (`$$` is a literal dollar). */
function interpolated(text: string): boolean {
  return /\$(?:\{|[A-Za-z_])/.test(text.replaceAll('$$', ''))
}

/** A string that passes `test`, or that Compose will interpolate first (so it cannot be judged yet). */
function stringThat(value: unknown, test: (text: string) => boolean): boolean {
  return typeof value === 'string' && (interpolated(value) || test(value))
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
const keysOf = (value: unknown) => new Set(isRecord(value) ? Object.keys(value) : [])
const quote = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text)

function describe(value: unknown): string {
  if (value === undefined || value === null) return value === undefined ? 'missing' : 'empty'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty mapping' : 'a mapping'
  if (typeof value === 'string') return value === '' ? 'an empty string' : `the string ${quote(value)}`
  return typeof value === 'number' ? `the number ${value}` : String(value)
}

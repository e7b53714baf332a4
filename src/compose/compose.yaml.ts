import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'
import type { Node as YamlNode, ParsedNode, YAMLError } from 'yaml'
import type { ComposeDocument, ComposeIssue, ParseComposeResult, PathSegment } from './compose.types.js'

export const MAX_COMPOSE_BYTES = 1024 * 1024
/** Alias expansions allowed while building the value; real Compose files use a few dozen. */
export const MAX_ALIAS_COUNT = 1000
/** Compose files nest about ten levels; a cap keeps recursive consumers off the stack limit. */
export const MAX_NESTING_DEPTH = 64
/** A pathological file can have an issue per line; past this many, more do not help anyone. */
export const MAX_ISSUES = 100

const CORE = 'tag:yaml.org,2002:'
const CORE_TAG_KINDS = new Map<string, 'map' | 'seq' | 'str' | 'int' | 'float' | 'bool' | 'null'>(
  (['map', 'seq', 'str', 'int', 'float', 'bool', 'null'] as const).map((kind) => [CORE + kind, kind]),
)
// Compose's own tags for override files: !reset drops the value, !override replaces it.
const RESET_TAG = '!reset'
const OVERRIDE_TAG = '!override'
const bombMessage = 'too many alias expansions (possible YAML bomb)'

/**
 * Parses one YAML document the way Compose reads it (YAML 1.2 core schema plus `<<` merge
 * keys), refusing oversized input, alias bombs, custom tags, duplicate and complex keys.
 * Values tagged `!reset` are removed from the returned value and document, as Compose does.
 */
export function parseYamlSafely(text: string): ParseComposeResult {
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > MAX_COMPOSE_BYTES) {
    const message = `the file is ${bytes} bytes; the limit is ${MAX_COMPOSE_BYTES} bytes (1 MiB)`
    return { ok: false, issues: [{ path: '', message }] }
  }
  const lineCounter = new LineCounter()
  const yaml = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    merge: true,
    // The library's duplicate-key check is quadratic in the keys of a map; ours is linear.
    uniqueKeys: false,
    // Without this the core schema would still accept YAML 1.1 tags such as !!binary and !!set.
    resolveKnownTags: false,
    logLevel: 'error',
  })
  const document: ComposeDocument = { yaml, lineCounter }
  // Compose's YAML parser (Go) ends a line at NEL, LS and PS; this one reads them as characters.
  // A file holding one would be one document to Berth's checks and another to Compose (a comment
  // ending early and a service appearing, say), so it is refused.
  const goBreak = text.search(/[\u0085\u2028\u2029]/)
  if (goBreak >= 0) {
    const code = text.charCodeAt(goBreak).toString(16).toUpperCase().padStart(4, '0')
    const message = `U+${code} is a line break to Compose but not to Berth; use a plain line break, or "\\u${code}" in a double-quoted string`
    return { ok: false, issues: [{ path: '', message, ...position(lineCounter, goBreak) }] }
  }
  if (yaml.errors.length > 0) {
    const issues = yaml.errors.slice(0, MAX_ISSUES).map((error) => syntaxIssue(error, lineCounter))
    return { ok: false, issues }
  }
  const walk: Walk = { document, issues: [], anchors: new Map(), open: [], aliases: 0, tooDeep: false }
  checkNode(yaml.contents, [], 0, walk)
  if (walk.aliases > MAX_ALIAS_COUNT) report(walk, [], yaml.contents, bombMessage)
  if (walk.issues.length > 0) return { ok: false, issues: walk.issues.slice(0, MAX_ISSUES) }
  try {
    return { ok: true, value: yaml.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), document }
  } catch (error) {
    // The library signals too many expansions with a ReferenceError; anything else is a bug here.
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      return { ok: false, issues: [{ path: '', message: bombMessage, line: 1, column: 1 }] }
    }
    throw error
  }
}

/** Formats a path as `services.web.ports[0]`, quoting keys that would read ambiguously. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`
    else out += `[${JSON.stringify(segment)}]`
  }
  return out
}

/**
 * The 1-based position of the node at `path`, or of its nearest ancestor present in the source
 * (a value that came in through a `<<` merge has no node of its own). Mapping entries point
 * at their key.
 */
export function locate(
  document: ComposeDocument,
  path: readonly PathSegment[],
): { line: number; column: number } | undefined {
  let node: unknown = document.yaml.contents
  let offset = rangeStart(node)
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(segment))
      if (!pair) break
      offset = rangeStart(pair.key) ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment]
      if (!node) break
      offset = rangeStart(node) ?? offset
    } else {
      break
    }
  }
  return offset === undefined ? undefined : position(document.lineCounter, offset)
}

type Walk = {
  document: ComposeDocument
  issues: ComposeIssue[]
  anchors: Map<string, YamlNode>
  /** Anchors whose node is being walked: an alias to one of them would be a cycle. */
  open: string[]
  aliases: number
  tooDeep: boolean
}

function checkNode(node: ParsedNode | null | undefined, path: PathSegment[], depth: number, walk: Walk): void {
  if (node === null || node === undefined) return
  if (depth > MAX_NESTING_DEPTH) {
    if (!walk.tooDeep) report(walk, path, node, `nesting is deeper than ${MAX_NESTING_DEPTH} levels`)
    walk.tooDeep = true
    return
  }
  if (isAlias(node)) {
    walk.aliases += 1
    if (walk.open.includes(node.source)) {
      report(walk, path, node, `alias *${node.source} refers to a node that contains it`)
    } else if (!walk.anchors.has(node.source)) {
      report(walk, path, node, `alias *${node.source} has no anchor &${node.source} before it`)
    }
    return
  }
  checkTag(node, path, walk)
  const anchor = node.anchor
  if (anchor) walk.open.push(anchor)
  if (isMap(node)) {
    node.items = node.items.filter((pair) => !hasTag(pair.value, RESET_TAG))
    const seen = new Set<string>()
    for (const pair of node.items) {
      const key = checkKey(pair.key, path, seen, walk)
      if (key === undefined) continue
      if (isScalar(pair.key) && typeof pair.key.value === 'symbol') checkMerge(pair.value, [...path, key], walk)
      checkNode(pair.value, [...path, key], depth + 1, walk)
    }
  } else if (isSeq(node)) {
    node.items = node.items.filter((item) => !hasTag(item, RESET_TAG))
    node.items.forEach((item, index) => checkNode(item, [...path, index], depth + 1, walk))
  }
  if (anchor) {
    walk.open.pop()
    walk.anchors.set(anchor, node)
  }
}

/** Returns the key as the JS value will have it, or undefined when the key is unusable. */
function checkKey(key: unknown, path: PathSegment[], seen: Set<string>, walk: Walk): string | undefined {
  if (isAlias(key) || isMap(key) || isSeq(key)) {
    report(walk, path, key, 'mapping keys must be plain scalars, not aliases, lists or mappings')
    return undefined
  }
  if (isScalar(key)) checkTag(key, path, walk)
  const text = keyText(key)
  // Keys are compared as the JS object will hold them, so `1` and "1" collide as they would there.
  if (seen.has(text)) {
    report(walk, [...path, text], key, `duplicate key ${JSON.stringify(text)}`)
    return undefined
  }
  seen.add(text)
  return text
}

function checkMerge(value: unknown, path: PathSegment[], walk: Walk): void {
  const resolve = (node: unknown) => (isAlias(node) ? walk.anchors.get(node.source) : node)
  const source = resolve(value)
  const sources = isSeq(source) ? source.items.map(resolve) : [source]
  if (!sources.every((item) => isMap(item))) {
    report(walk, path, value, 'a "<<" merge key needs a mapping, or a list of mappings, to merge')
  }
}

function checkTag(node: YamlNode, path: PathSegment[], walk: Walk): void {
  const tag = node.tag
  if (!tag || tag === RESET_TAG || tag === OVERRIDE_TAG) return
  const kind = CORE_TAG_KINDS.get(tag)
  const shown = tag.startsWith(CORE) ? `!!${tag.slice(CORE.length)}` : tag
  if (!kind) return report(walk, path, node, `unknown YAML tag ${shown}`)
  const actual = isMap(node) ? 'map' : isSeq(node) ? 'seq' : isScalar(node) ? typeof node.value : 'other'
  const fits: Record<typeof kind, boolean> = {
    map: actual === 'map',
    seq: actual === 'seq',
    str: actual === 'string',
    int: isScalar(node) && Number.isInteger(node.value),
    float: actual === 'number',
    bool: actual === 'boolean',
    null: isScalar(node) && node.value === null,
  }
  if (!fits[kind]) {
    const source = isScalar(node) ? JSON.stringify(node.source) : `this ${actual === 'seq' ? 'list' : 'mapping'}`
    report(walk, path, node, `${source} is not a valid ${shown}`)
  }
}

function hasTag(node: unknown, tag: string): boolean {
  return (isMap(node) || isSeq(node) || isScalar(node)) && node.tag === tag
}

function keyText(key: unknown): string {
  const value: unknown = isScalar(key) ? key.value : key
  if (value === null || value === undefined) return ''
  return typeof value === 'symbol' ? '<<' : String(value)
}

function report(walk: Walk, path: PathSegment[], node: unknown, message: string): void {
  const offset = rangeStart(node)
  const where = offset === undefined ? {} : position(walk.document.lineCounter, offset)
  walk.issues.push({ path: formatPath(path), message, ...where })
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Partial<ParsedNode> | null | undefined)?.range
  return Array.isArray(range) ? range[0] : undefined
}

function position(lineCounter: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lineCounter.linePos(offset)
  return { line: Math.max(line, 1), column: Math.max(col, 1) }
}

function syntaxIssue(error: YAMLError, lineCounter: LineCounter): ComposeIssue {
  const messages: Partial<Record<YAMLError['code'], string>> = {
    MULTIPLE_DOCS: 'only one YAML document is allowed; remove the second "---" section',
    RESOURCE_EXHAUSTION: 'the document is nested too deeply to parse',
  }
  return { path: '', message: messages[error.code] ?? error.message, ...position(lineCounter, error.pos[0]) }
}

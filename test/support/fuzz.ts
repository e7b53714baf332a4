// Generators for the hostile-input suite: a seeded PRNG, request bodies built from an operation's
// JSON schema and then mutated, raw byte bodies, and compose YAML documents. Everything is derived
// from the seed, so a failing case is reproduced by running again with the seed it printed.

export type Prng = {
  next(): number
  int(max: number): number
  pick<T>(items: readonly T[]): T
  chance(p: number): boolean
}

/** mulberry32: small, fast and good enough to drive a fuzzer reproducibly. */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0
  function next(): number {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (max: number) => Math.floor(next() * max)
  return { next, int, pick: (items) => items[int(items.length)]!, chance: (p) => next() < p }
}

// Matches the instance setting for the Traefik directory: a hostile value must never point Berth's
// file writer at a real system directory, so such strings are left out of the pool.
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/-]*$/

/** Strings that break parsers, renderers, shells, SQL, YAML and Traefik rules. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\uffff\ufffe',
  '\u202eevil',
  '💥🚢',
  '\r\n',
  'a\nb: c\n',
  'web\nservices:\n  evil:\n    image: evil',
  "'; DROP TABLE services; --",
  '" OR 1=1 --',
  '$(id)',
  '`id`',
  '; rm -rf / #',
  '| cat /etc/passwd',
  '&& curl evil.test',
  '${HOME}',
  '$$HOME',
  '{{ .Env.SECRET }}',
  '%s%s%s%n',
  '../../../../etc/passwd',
  '..\\..\\windows',
  '`) || Host(`evil.test`)',
  'example.com`) || Host(`evil.test',
  'a.example.com,evil.test',
  '"},"evil":{"handle":[]},"x":{"',
  '{"apps":{}}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'true',
  '0',
  '-1',
  '1e309',
  'NaN',
  '*',
  '&anchor',
  '*alias',
  '!!python/object:os.system',
  '- item',
  '? key',
  '# comment',
  '|\n  block',
  'A'.repeat(300),
  'é'.repeat(2000),
].filter((s) => !ABSOLUTE_PATH.test(s))

const HOSTILE_NUMBERS = [0, -1, 1, 1.5, -0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 5e-324, 65536, 2 ** 31]

export type JsonSchema = {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  minItems?: number
  maxItems?: number
  pattern?: string
  format?: string
  default?: unknown
}

// Candidates tried, in order, for a string with a pattern or format: the first that fits is used.
const STRING_CANDIDATES = [
  'web',
  'fuzz-1',
  'example.com',
  'app.example.com',
  'le',
  ':80',
  '0.0.0.0:8443',
  'http://127.0.0.1:9',
  'fuzz@example.com',
  '/api',
  'X-Fuzz',
  '2030-01-01T00:00:00Z',
  '00000000-0000-4000-8000-000000000000',
  'unix:///var/run/docker.sock',
]

function fits(schema: JsonSchema, value: string): boolean {
  if (schema.minLength !== undefined && value.length < schema.minLength) return false
  if (schema.maxLength !== undefined && value.length > schema.maxLength) return false
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) return false
  return true
}

function typeOf(schema: JsonSchema, rng: Prng): string | undefined {
  if (Array.isArray(schema.type)) return rng.pick(schema.type)
  if (schema.type) return schema.type
  if (schema.properties) return 'object'
  return undefined
}

/** A value that mostly satisfies the schema (patterns it cannot meet fall back to a plain string). */
export function generate(schema: JsonSchema | undefined, rng: Prng, depth = 0): unknown {
  if (!schema || depth > 8) return randomJson(rng, 2)
  if (schema.const !== undefined) return schema.const
  if (schema.enum) return rng.pick(schema.enum)
  const union = schema.anyOf ?? schema.oneOf
  if (union) return generate(rng.pick(union), rng, depth + 1)
  if (schema.allOf?.[0]) return generate(schema.allOf[0], rng, depth + 1)
  switch (typeOf(schema, rng)) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || rng.chance(0.6)) out[key] = generate(sub, rng, depth + 1)
      }
      if (typeof schema.additionalProperties === 'object') {
        for (let i = rng.int(3) + (schema.properties ? 0 : 1); i > 0; i--) {
          out[rng.pick(['FUZZ_KEY', 'web', 'DB_PASSWORD', `k${rng.int(100)}`])] = generate(
            schema.additionalProperties,
            rng,
            depth + 1,
          )
        }
      }
      return out
    }
    case 'array': {
      const length = (schema.minItems ?? 0) + rng.int(3)
      return Array.from({ length }, () => generate(schema.items, rng, depth + 1))
    }
    case 'string': {
      const candidates = STRING_CANDIDATES.filter((c) => fits(schema, c))
      if (candidates.length > 0 && (schema.pattern || schema.format || rng.chance(0.5))) return rng.pick(candidates)
      const length = Math.max(schema.minLength ?? 1, 1 + rng.int(12))
      return 'fuzz'.repeat(Math.ceil(length / 4)).slice(0, Math.min(length, schema.maxLength ?? length))
    }
    case 'integer': {
      const min = schema.minimum ?? 0
      const max = Math.min(schema.maximum ?? min + 100, min + 100)
      return min + rng.int(max - min + 1)
    }
    case 'number':
      return (schema.minimum ?? 0) + rng.next() * 10
    case 'boolean':
      return rng.chance(0.5)
    case 'null':
      return null
    default:
      return randomJson(rng, 2)
  }
}

function deepValue(depth: number, asArray: boolean): unknown {
  let value: unknown = 'bottom'
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value }
  return value
}

/** A hostile JSON value of any type (sizes kept moderate; huge ones come from `hugeValue`). */
export function hostileValue(rng: Prng): unknown {
  switch (rng.int(9)) {
    case 0:
    case 1:
    case 2:
      return rng.pick(HOSTILE_STRINGS)
    case 3:
      return rng.pick(HOSTILE_NUMBERS)
    case 4:
      return rng.pick([true, false, null])
    case 5:
      return rng.pick([[], [rng.pick(HOSTILE_STRINGS)], [null, 1, 'a', {}]])
    case 6:
      return JSON.parse(
        rng.pick([
          '{"__proto__":{"admin":true,"polluted":"yes"}}',
          '{"constructor":{"prototype":{"polluted":"yes"}}}',
          '{}',
          '{"toString":"x","valueOf":1}',
        ]),
      )
    case 7:
      return deepValue(50 + rng.int(500), rng.chance(0.5))
    default:
      return randomJson(rng, 3)
  }
}

/** Occasionally very large: a string near or past the body limit, a long array, a wide object. */
export function hugeValue(rng: Prng): unknown {
  switch (rng.int(4)) {
    case 0:
      return 'H'.repeat(rng.pick([70_000, 1_100_000, 3_200_000]))
    case 1:
      return Array.from({ length: rng.pick([10_000, 200_000]) }, (_, i) => i)
    case 2:
      return Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`K${i}`, { value: 'v' }]))
    default:
      return deepValue(1_500, rng.chance(0.5))
  }
}

export function randomJson(rng: Prng, depth: number): unknown {
  const kind = rng.int(depth > 0 ? 7 : 5)
  if (kind === 0) return rng.pick(HOSTILE_STRINGS)
  if (kind === 1) return rng.pick(HOSTILE_NUMBERS)
  if (kind === 2) return rng.pick([true, false, null])
  if (kind === 3) return String.fromCharCode(...Array.from({ length: rng.int(20) }, () => rng.int(0x10000)))
  if (kind === 4) return rng.int(1000)
  if (kind === 5) return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth - 1))
  return Object.fromEntries(
    Array.from({ length: rng.int(4) }, () => [rng.pick(HOSTILE_STRINGS), randomJson(rng, depth - 1)]),
  )
}

/** Changes one to three places of a document: a value replaced, a key added or removed, a type swapped. */
export function mutate(doc: unknown, rng: Prng): unknown {
  let out = structuredClone(doc)
  for (let n = 1 + rng.int(3); n > 0; n--) out = mutateOnce(out, rng)
  return out
}

function mutateOnce(doc: unknown, rng: Prng): unknown {
  if (doc === null || typeof doc !== 'object' || rng.chance(0.1)) return hostileValue(rng)
  const container = doc as Record<string, unknown>
  const keys = Object.keys(container)
  const action = rng.int(5)
  if (action === 0 || keys.length === 0) {
    const key = rng.chance(0.5) ? rng.pick(['__proto__', 'constructor', 'prototype']) : rng.pick(HOSTILE_STRINGS)
    // defineProperty so that "__proto__" becomes an own key, as JSON.parse would make it.
    Object.defineProperty(container, key, {
      value: hostileValue(rng),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  } else if (action === 1) {
    delete container[rng.pick(keys)]
  } else if (action === 2) {
    const key = rng.pick(keys)
    container[key] = mutateOnce(container[key], rng)
  } else {
    container[rng.pick(keys)] = rng.chance(0.05) ? hugeValue(rng) : hostileValue(rng)
  }
  return doc
}

/** Bodies that are not valid JSON, or valid JSON in awkward bytes. */
export function rawBody(rng: Prng, valid: unknown): Buffer {
  const text = JSON.stringify(valid) ?? '{}'
  switch (rng.int(10)) {
    case 0:
      return Buffer.from(text.slice(0, rng.int(text.length)))
    case 1:
      // Invalid UTF-8 inside a string and outside one.
      return Buffer.concat([
        Buffer.from('{"name":"'),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
        Buffer.from('"}'),
      ])
    case 2:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])
    case 3:
      return Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)
    case 4:
      return Buffer.from(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`)
    case 5:
      return Buffer.from(text.replace(/"/, '\u0000"'))
    case 6:
      return Buffer.from(`${text}${text}`)
    case 7:
      return Buffer.from(
        rng.pick(['NaN', 'undefined', "{'a':1}", '{"a":1,}', '[1,2', '"\\ud800"', '1e999999', '{"a":01}']),
      )
    case 8:
      return Buffer.from(text.replace(/^\{/, '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},'))
    default:
      return Buffer.from(Array.from({ length: 1 + rng.int(200) }, () => rng.int(256)))
  }
}

export const VALID_COMPOSE = `services:
  web:
    image: berth-test/busybox:1
    command: httpd -f -p 80 -h /www
    environment:
      GREETING: hello
      PORT: \${PORT:-80}
    ports:
      - "8080:80"
    labels:
      traefik.enable: "true"
    volumes:
      - data:/data
volumes:
  data: {}
`

/** A compose file whose aliases expand to width^levels nodes (a "billion laughs" at 9 and 10). */
export function aliasBomb(levels: number, width: number): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (let i = 1; i <= levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(width)
        .fill(`*a${i - 1}`)
        .join(',')}]`,
    )
  return `services:\n  web:\n    image: x\nx-bomb:\n${lines.map((l) => `  ${l}`).join('\n')}\n`
}

const YAML_CHARS = [
  ':',
  '{',
  '}',
  '[',
  ']',
  '&',
  '*',
  '!',
  '|',
  '>',
  "'",
  '"',
  '%',
  '@',
  '`',
  '#',
  ',',
  '-',
  '?',
  '\n',
  '\t',
  ' ',
  '\u0000',
  '\ud800',
  '<<',
  '~',
  '\\',
]

/** A compose document: valid, mutated at the byte level, structurally hostile, or random. */
export function composeYaml(rng: Prng): string {
  // Large documents cost most of the run's time, so they are a small share of it.
  if (rng.chance(0.04)) return hugeYaml(rng)
  switch (rng.int(13)) {
    case 0:
      return VALID_COMPOSE
    case 1:
    case 2:
    case 3: {
      let text = VALID_COMPOSE
      for (let n = 1 + rng.int(4); n > 0; n--) {
        const at = rng.int(text.length)
        const cut = rng.int(4)
        text =
          text.slice(0, at) +
          (rng.chance(0.7) ? rng.pick(YAML_CHARS) : rng.pick(HOSTILE_STRINGS)) +
          text.slice(at + cut)
      }
      return text
    }
    case 4:
      return aliasBomb(4 + rng.int(6), 9)
    case 5:
      return `services:\n  web:\n    image: x\n    labels:\n      x: ${'['.repeat(1 + rng.int(500))}1${']'.repeat(rng.int(500))}\n`
    case 6: {
      const depth = 10 + rng.int(150)
      return `x-deep:\n${Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} v\nservices:\n  web:\n    image: x\n`
    }
    case 7:
      return rng.pick([
        'services:\n  web: &w\n    image: x\n    <<: *w\n',
        'services:\n  web:\n    image: !!binary aGVsbG8=\n',
        'services:\n  web:\n    image: x\n    environment: !reset {}\n    ports: !override ["1:1"]\n',
        'services:\n  web:\n    image: x\n  web:\n    image: y\n',
        'services:\n  ? [a, b]\n  : image: x\n',
        'services:\n  web:\n    image: x\n---\nservices:\n  evil:\n    image: y\n',
        '%YAML 1.1\n---\nservices:\n  web:\n    image: x\n    privileged: yes\n',
        'services:\n  web:\n    image: !!python/object/apply:os.system ["id"]\n',
        'services:\n  __proto__:\n    image: x\n  constructor:\n    image: y\n',
        'services:\n  web:\n    image: x\n    labels:\n      traefik.http.routers.evil.rule: Host(`evil.test`)\n',
        'services: *undefined_alias\n',
        'a: &a [*a]\n',
        '\ufeffservices:\n  web:\n    image: x\n',
        'services:\n  web:\n    image: "x\\u0000y"\n',
        'services:\n  web:\n    image: x\n    ports: ["99999:80", "-1:80", "1:1/sctp/x"]\n',
      ])
    case 8:
      return String.fromCharCode(...Array.from({ length: rng.int(500) }, () => rng.int(0x10000)))
    case 9:
      return Array.from(
        { length: rng.int(40) },
        () => rng.pick(YAML_CHARS) + rng.pick(['a', 'services', 'image', ' ', '1']),
      ).join('')
    case 10:
      return `services:\n  ${rng.pick(HOSTILE_STRINGS).replace(/\n/g, ' ') || 'x'}:\n    image: ${JSON.stringify(rng.pick(HOSTILE_STRINGS))}\n`
    case 11:
      return `services:\n  web:\n    image: x\n    ${rng.pick(['build', 'secrets', 'configs', 'networks', 'deploy', 'extends', 'include'])}: ${JSON.stringify(hostileValue(rng)) ?? 'null'}\n`
    default:
      return ''
  }
}

function hugeYaml(rng: Prng): string {
  switch (rng.int(4)) {
    case 0:
      return `services:\n  web:\n    image: x\n    labels:\n      x: ${'['.repeat(20_000)}1${']'.repeat(rng.int(20_000))}\n`
    case 1: {
      const depth = 2000
      return `x-deep:\n${Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} v\nservices:\n  web:\n    image: x\n`
    }
    case 2:
      return `services:\n  web:\n    image: x\n    environment:\n${Array.from({ length: 5000 }, (_, i) => `      K${i}: v`).join('\n')}\n`
    default:
      return `services:\n  web:\n    image: x\n    command: "${'A'.repeat(rng.pick([100_000, 1_048_577]))}"\n`
  }
}

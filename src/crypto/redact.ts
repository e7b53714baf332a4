export const REDACTED = '<REDACTED>'

/** Secrets shorter than this are not hidden: they would blank out ordinary words. */
const MIN_SECRET_LENGTH = 4

// `scheme://user:password@` : the password part of any URL, secret or not.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)([^\s@/]+)@/gi

/** The forms a secret takes on its way into output: as is, URL-encoded, and base64 (standard and URL-safe). */
export function secretForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')])
  const b64 = Buffer.from(secret, 'utf8').toString('base64')
  forms.add(b64)
  forms.add(b64.replace(/=+$/, ''))
  forms.add(b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH)
}

type TrieNode = { next: Map<number, TrieNode>; terminal: boolean }

/**
 * Replaces every secret value (in all its forms, see secretForms) and every password inside a
 * URL with <REDACTED>. One pass over the text whatever the number of secrets, skipping ahead as
 * Wu-Manber's multi-pattern search does: a window as long as the shortest form slides along the
 * text, and a 64 Ki-entry table, indexed by the window's last two characters, says how far it may
 * move without passing over the start of any form (the shortest form's length minus one, for
 * most text). Only where the table says 0 is a character trie of all forms walked, taking the
 * longest match (so a secret that contains another is removed whole).
 */
export function createRedactor(secrets: Iterable<string>): (text: string) => string {
  const forms = [...new Set([...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(secretForms))]
  const root: TrieNode = { next: new Map(), terminal: false }
  for (const form of forms) {
    let node = root
    for (let i = 0; i < form.length; i++) {
      const code = form.charCodeAt(i)
      let child = node.next.get(code)
      if (!child) node.next.set(code, (child = { next: new Map(), terminal: false }))
      node = child
    }
    node.terminal = true
  }
  const window = Math.min(...forms.map((f) => f.length))
  const shifts = new Uint8Array(65536).fill(Math.min(window - 1, 255))
  for (const form of forms) {
    for (let q = 1; q < window; q++) {
      const pair = pairIndex(form.charCodeAt(q - 1), form.charCodeAt(q))
      shifts[pair] = Math.min(shifts[pair]!, window - 1 - q)
    }
  }

  /** Length of the longest form starting at `at`, or 0. */
  function matchAt(text: string, at: number): number {
    let node: TrieNode | undefined = root
    let longest = 0
    for (let j = at; j < text.length; j++) {
      node = node.next.get(text.charCodeAt(j))
      if (!node) break
      if (node.terminal) longest = j - at + 1
    }
    return longest
  }

  function redactValues(text: string): string {
    let out = ''
    let copied = 0
    // `end` is the last character of the window that starts at end - window + 1.
    let end = window - 1
    while (end < text.length) {
      const shift = shifts[pairIndex(text.charCodeAt(end - 1), text.charCodeAt(end))]!
      if (shift > 0) {
        end += shift
        continue
      }
      const start = end - window + 1
      const length = matchAt(text, start)
      if (length === 0) {
        end++
        continue
      }
      out += text.slice(copied, start) + REDACTED
      copied = start + length
      end = copied + window - 1
    }
    return copied === 0 ? text : out + text.slice(copied)
  }

  return (text) => {
    const scrubbed = forms.length > 0 ? redactValues(text) : text
    return scrubbed.includes('://') ? scrubbed.replace(URL_PASSWORD, `$1${REDACTED}@`) : scrubbed
  }
}

function pairIndex(a: number, b: number): number {
  return ((a & 0xff) << 8) | (b & 0xff)
}

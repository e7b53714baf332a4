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
 * URL with <REDACTED>. One pass over the text whatever the number of secrets: a 64 Ki-entry
 * bitmap of each form's first two characters rejects almost every position with one array read,
 * and only a hit walks a character trie of all forms, taking the longest match (so a secret that
 * contains another is removed whole).
 */
export function createRedactor(secrets: Iterable<string>): (text: string) => string {
  const forms = [...new Set([...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(secretForms))]
  const root: TrieNode = { next: new Map(), terminal: false }
  const pairs = new Uint8Array(65536)
  for (const form of forms) {
    let node = root
    for (let i = 0; i < form.length; i++) {
      const code = form.charCodeAt(i)
      let child = node.next.get(code)
      if (!child) node.next.set(code, (child = { next: new Map(), terminal: false }))
      node = child
    }
    node.terminal = true
    pairs[pairIndex(form.charCodeAt(0), form.charCodeAt(1))] = 1
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
    const end = text.length - MIN_SECRET_LENGTH
    // Each character is read once: the second of one pair is the first of the next.
    let second = text.charCodeAt(0)
    for (let i = 0; i <= end; i++) {
      const first = second
      second = text.charCodeAt(i + 1)
      if (pairs[pairIndex(first, second)] === 0) continue
      const length = matchAt(text, i)
      if (length === 0) continue
      out += text.slice(copied, i) + REDACTED
      i += length - 1
      copied = i + 1
      second = text.charCodeAt(i + 1)
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

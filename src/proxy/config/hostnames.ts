import { isIP } from 'node:net'
import { domainToASCII } from 'node:url'

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

export type HostCheck = { ok: true; host: string } | { ok: false; reason: string }

/**
 * Normalizes a host name the way proxies compare them: lower case, no trailing dot, IDN labels
 * converted to punycode (node:url's domainToASCII), every label RFC 1123 (1 to 63 letters, digits
 * and inner hyphens, 253 characters in all). A wildcard is allowed only as the whole leftmost label
 * of a name with at least two more labels ("*.example.com"), and matches exactly one level.
 */
export function normalizeHost(input: string): HostCheck {
  const trimmed = input.trim().replace(/\.$/, '')
  if (trimmed === '') return { ok: false, reason: 'is empty' }
  // URL parsing (domainToASCII) silently drops tabs and line breaks ("a\nb" became "ab"): refuse them instead.
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(trimmed))
    return { ok: false, reason: 'contains a space, a line break or a control character' }
  if (isIP(trimmed.replace(/^\[|\]$/g, '')) !== 0) return { ok: false, reason: 'is an IP address, not a host name' }
  const wildcard = trimmed.startsWith('*.')
  const rest = wildcard ? trimmed.slice(2) : trimmed
  if (rest.includes('*'))
    return { ok: false, reason: 'may contain "*" only as its whole first label ("*.example.com")' }
  const ascii = domainToASCII(rest)
  if (ascii === '') return { ok: false, reason: 'is not a valid host name (it cannot be converted to punycode)' }
  const labels = ascii.split('.')
  const bad = labels.find((l) => !LABEL.test(l))
  if (bad !== undefined)
    return { ok: false, reason: `has the label "${bad}"; labels are 1 to 63 letters, digits and inner hyphens` }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return { ok: false, reason: 'ends in an all-numeric label' }
  if (wildcard && labels.length < 2) return { ok: false, reason: 'is a wildcard over a top-level domain' }
  const host = wildcard ? `*.${ascii}` : ascii
  if (host.length > 253) return { ok: false, reason: 'is longer than 253 characters' }
  return { ok: true, host }
}

/** Joins an optional subdomain ("app", "*", "a.b") onto a domain, as the user would read it. */
export function fullDomainOf(domain: string, subdomain: string | null | undefined): string {
  return subdomain ? `${subdomain}.${domain}` : domain
}

import { createHash } from 'node:crypto'

export type Logo = { type: string; body: Buffer }

const MAX_BYTES = 256 * 1024
const FETCH_TIMEOUT_MS = 5000
// A logo that could not be fetched is tried again after this long (the server may get online).
const RETRY_AFTER_MS = 10 * 60_000
const IMAGE_TYPES = /^image\/(png|jpeg|gif|webp|svg\+xml|x-icon|vnd\.microsoft\.icon)$/

/**
 * The logos of the gallery, fetched by Berth from each template's `logo` URL and served from its
 * own origin: the UI's policy loads images from Berth only, and the browser of a user on another
 * network may not reach the logo's host anyway. The URLs come from the shipped catalog and the
 * operator's BERTH_TEMPLATE_DIRS, never from a request. A logo that cannot be had (no network, not
 * an image, over 256 KiB) is a letter badge drawn here, so the gallery always shows something.
 */
export function createLogoCache() {
  const cache = new Map<string, { logo: Promise<Logo | undefined>; at: number; ok: boolean }>()

  async function download(url: string): Promise<Logo | undefined> {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
      const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
      if (!response.ok || !IMAGE_TYPES.test(type)) return undefined
      // A declared size over the bound is not downloaded at all.
      if (Number(response.headers.get('content-length') ?? 0) > MAX_BYTES) return undefined
      const body = Buffer.from(await response.arrayBuffer())
      return body.length > 0 && body.length <= MAX_BYTES ? { type, body } : undefined
    } catch {
      // No network, no such host, a timeout: the badge stands in, and the next try is in RETRY_AFTER_MS.
      return undefined
    }
  }

  /** The template's logo, or its letter badge when the logo cannot be had. */
  async function logoOf(template: { id: string; name: string; logo: string }): Promise<Logo> {
    let entry = cache.get(template.logo)
    if (!entry || (!entry.ok && Date.now() - entry.at >= RETRY_AFTER_MS)) {
      const fetched = { logo: download(template.logo), at: Date.now(), ok: false }
      void fetched.logo.then((logo) => {
        fetched.ok = logo !== undefined
      })
      cache.set(template.logo, fetched)
      entry = fetched
    }
    return (await entry.logo) ?? badge(template)
  }

  return { logoOf }
}

/** A rounded square with the template's first letter, its colour derived from the id (stable, varied). */
function badge(template: { id: string; name: string }): Logo {
  const hue = (createHash('sha256').update(template.id).digest()[0]! * 360) / 256
  const letter = (template.name.match(/[A-Za-z0-9]/)?.[0] ?? '?').toUpperCase()
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="8" fill="hsl(${Math.round(hue)} 45% 38%)"/><text x="20" y="27" font-family="sans-serif" font-size="20" font-weight="700" text-anchor="middle" fill="#fff">${letter}</text></svg>`
  return { type: 'image/svg+xml', body: Buffer.from(svg) }
}

import Anser from 'anser'
import type { CSSProperties, ReactNode } from 'react'

type Segment = { text: string; className: string; style?: CSSProperties }

/**
 * Splits a line with ANSI colour codes into styled segments. The 16 standard colours become
 * classes (deployments.css gives them readable values in light and dark); 256-colour and true
 * colour codes become inline colours, which anser computes in its non-class mode. Text is never
 * turned into HTML: React escapes it.
 */
function segmentsOf(line: string): Segment[] {
  if (!line.includes('\u001b')) return [{ text: line, className: '' }]
  const classed = Anser.ansiToJson(line, { use_classes: true, remove_empty: true })
  const needsRgb = classed.some(
    (e) =>
      e.fg?.startsWith('ansi-palette') ||
      e.bg?.startsWith('ansi-palette') ||
      e.fg === 'ansi-truecolor' ||
      e.bg === 'ansi-truecolor',
  )
  const rgb = needsRgb ? Anser.ansiToJson(line, { remove_empty: true }) : []
  return classed.map((e, i) => {
    const classes: string[] = e.decorations.map((d) => `ansi-${d}`)
    const style: CSSProperties = {}
    for (const [value, prop] of [
      [e.fg, 'color'],
      [e.bg, 'backgroundColor'],
    ] as const) {
      if (!value) continue
      if (value.startsWith('ansi-palette') || value === 'ansi-truecolor') {
        const plain = rgb[i]?.[prop === 'color' ? 'fg' : 'bg']
        if (plain) style[prop] = `rgb(${plain})`
      } else {
        classes.push(prop === 'color' ? `${value}-fg` : `${value}-bg`)
      }
    }
    return { text: e.content, className: classes.join(' '), ...(Object.keys(style).length > 0 && { style }) }
  })
}

/** Where `query` occurs in `text` (case-insensitive), as [start, end) pairs. */
export function matchRanges(text: string, query: string): [number, number][] {
  if (!query) return []
  const haystack = text.toLowerCase()
  const needle = query.toLowerCase()
  const out: [number, number][] = []
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length))
    out.push([at, at + needle.length])
  return out
}

/** One log line: ANSI colours as styled spans, search matches as <mark>. */
export function AnsiText({ line, query }: { line: string; query: string }) {
  const segments = segmentsOf(line)
  const ranges = matchRanges(segments.map((s) => s.text).join(''), query)
  const out: ReactNode[] = []
  let offset = 0
  for (const [i, segment] of segments.entries()) {
    const start = offset
    const end = offset + segment.text.length
    offset = end
    const parts: ReactNode[] = []
    let cursor = start
    for (const [from, to] of ranges) {
      if (to <= cursor || from >= end) continue
      const a = Math.max(from, cursor)
      const b = Math.min(to, end)
      if (a > cursor) parts.push(segment.text.slice(cursor - start, a - start))
      parts.push(<mark key={a}>{segment.text.slice(a - start, b - start)}</mark>)
      cursor = b
    }
    if (cursor < end) parts.push(segment.text.slice(cursor - start))
    out.push(
      segment.className || segment.style ? (
        <span key={i} className={segment.className || undefined} style={segment.style}>
          {parts}
        </span>
      ) : (
        <span key={i}>{parts}</span>
      ),
    )
  }
  return <>{out}</>
}

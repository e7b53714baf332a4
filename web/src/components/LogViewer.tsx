import { useVirtualizer } from '@tanstack/react-virtual'
import { useDeferredValue, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import { useLocation, useNavigate } from 'react-router'
import type { StoredLine } from '../api/useLogStream'
import { AnsiText } from './AnsiText'
import '../deployments.css'

// Unwrapped, rows have one fixed height (long lines scroll sideways), so the virtualizer never
// measures. Wrapped (the default: a failing step's error is read without scrolling sideways), only
// the ~40 rows on screen are measured: 100,000 lines still cost what the visible ones cost.
const ROW_PX = 20

type Props = {
  lines: StoredLine[]
  count: number
  /** Whether lines may still arrive (follow the tail by default then). */
  live: boolean
  /** The stream has ended: a #L link to a line that never came can say so. */
  complete: boolean
}

/** Index of the line with sequence number `seq` (lines arrive in ascending order), or -1. */
function indexOfSeq(lines: StoredLine[], count: number, seq: number): number {
  let lo = 0
  let hi = count - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const at = lines[mid]!.seq
    if (at === seq) return mid
    if (at < seq) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}

/**
 * A deployment log: virtualised rows with ANSI colours, search with next/previous match,
 * follow-the-tail, and line links (#L123 scrolls to line 123 and highlights it).
 */
export function LogViewer({ lines, count, live, complete }: Props) {
  const scroller = useRef<HTMLDivElement>(null)
  const location = useLocation()
  const navigate = useNavigate()
  const linkedSeq = /^#L(\d+)$/.exec(location.hash)?.[1]
  const target = linkedSeq === undefined ? null : Number(linkedSeq)
  const [follow, setFollow] = useState(live && target === null)
  const [wrap, setWrap] = useState(true)
  const [query, setQuery] = useState('')
  const search = useDeferredValue(query)
  const [matchAt, setMatchAt] = useState(0)
  const scrolledTo = useRef<number | null>(null)

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_PX,
    overscan: 20,
  })
  // Switching wrapping changes every row's height: forget the measured ones.
  useEffect(() => {
    virtualizer.measure()
  }, [wrap, virtualizer])

  const matches = useMemo(() => {
    if (!search) return []
    const needle = search.toLowerCase()
    const out: number[] = []
    for (let i = 0; i < count; i++) if (lines[i]!.plain.toLowerCase().includes(needle)) out.push(i)
    return out
  }, [lines, count, search])
  const currentMatch = matches.length > 0 ? matches[Math.min(matchAt, matches.length - 1)] : undefined

  useEffect(() => {
    if (follow && count > 0) virtualizer.scrollToIndex(count - 1, { align: 'end' })
  }, [follow, count, virtualizer])

  // A line link scrolls once, as soon as its line has arrived.
  const targetIndex = target === null ? -1 : indexOfSeq(lines, count, target)
  useEffect(() => {
    if (targetIndex < 0 || scrolledTo.current === target) return
    scrolledTo.current = target
    setFollow(false)
    virtualizer.scrollToIndex(targetIndex, { align: 'center' })
  }, [target, targetIndex, virtualizer])

  // A new search starts at its first match.
  useEffect(() => {
    setMatchAt(0)
  }, [search])
  useEffect(() => {
    if (currentMatch === undefined) return
    setFollow(false)
    virtualizer.scrollToIndex(currentMatch, { align: 'center' })
    // Jump only when the search or the chosen match changes (or the first match arrives), not
    // whenever new lines arrive.
  }, [search, matchAt, matches.length > 0])

  function step(by: number) {
    if (matches.length === 0) return
    setMatchAt((at) => (Math.min(at, matches.length - 1) + by + matches.length) % matches.length)
  }
  function onSearchKey(event: KeyboardEvent) {
    if (event.key !== 'Enter') return
    event.preventDefault()
    step(event.shiftKey ? -1 : 1)
  }
  // Scrolling up (wheel, touch, keys) means "let me read": stop following the tail.
  function stopFollowing() {
    if (follow) setFollow(false)
  }

  return (
    <section className="log-viewer" aria-label="Deployment log">
      <div className="log-toolbar" role="toolbar" aria-label="Log tools">
        <input
          type="search"
          aria-label="Search the log"
          placeholder="Search the log"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onSearchKey}
        />
        <span className="log-match-count" aria-live="polite">
          {search
            ? matches.length === 0
              ? 'No matches'
              : `${Math.min(matchAt, matches.length - 1) + 1} of ${matches.length}`
            : ''}
        </span>
        <button
          type="button"
          className="outline secondary small"
          onClick={() => step(-1)}
          disabled={matches.length === 0}
          aria-label="Previous match"
        >
          ↑
        </button>
        <button
          type="button"
          className="outline secondary small"
          onClick={() => step(1)}
          disabled={matches.length === 0}
          aria-label="Next match"
        >
          ↓
        </button>
        <label className="log-follow">
          <input type="checkbox" role="switch" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          Follow the tail
        </label>
        <label className="log-follow">
          <input type="checkbox" role="switch" checked={wrap} onChange={(e) => setWrap(e.target.checked)} />
          Wrap lines
        </label>
        <span className="muted log-count">{count.toLocaleString()} lines</span>
      </div>
      {target !== null && targetIndex < 0 && complete && (
        <p className="muted" role="status">
          Line {target} is not in this log.
        </p>
      )}
      <div
        ref={scroller}
        className={wrap ? 'log-scroll log-wrap' : 'log-scroll'}
        tabIndex={0}
        role="region"
        aria-label="Log lines"
        onWheel={(e) => e.deltaY < 0 && stopFollowing()}
        onTouchMove={stopFollowing}
        onKeyDown={(e) => ['ArrowUp', 'PageUp', 'Home'].includes(e.key) && stopFollowing()}
      >
        {count === 0 ? (
          <p className="muted log-empty">{complete ? 'This deployment wrote no log lines.' : 'Waiting for output…'}</p>
        ) : (
          <div className="log-rows" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((row) => {
              const line = lines[row.index]!
              const classes = ['log-line', `log-${line.stream}`]
              if (line.seq === target) classes.push('log-line-linked')
              if (row.index === currentMatch) classes.push('log-line-match')
              return (
                <div
                  key={line.seq}
                  ref={wrap ? virtualizer.measureElement : undefined}
                  data-index={row.index}
                  className={classes.join(' ')}
                  style={{ transform: `translateY(${row.start}px)` }}
                  data-seq={line.seq}
                  aria-current={line.seq === target ? 'true' : undefined}
                >
                  <a
                    className="log-ln"
                    href={`#L${line.seq}`}
                    aria-label={`Line ${line.seq}`}
                    onClick={(e) => {
                      e.preventDefault()
                      // The clicked line is on screen already: mark it without scrolling.
                      scrolledTo.current = line.seq
                      navigate({ hash: `L${line.seq}` }, { replace: true })
                    }}
                  >
                    {line.seq}
                  </a>
                  <span className="log-text">
                    <AnsiText line={line.output} query={search} />
                  </span>
                </div>
              )
            })}
          </div>
        )}
      </div>
    </section>
  )
}

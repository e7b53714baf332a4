import { useEffect, useRef, useState } from 'react'
import { call, routeUrl } from './client'
import type { DeploymentStatus, LogLine, LogPage } from './deployments'

// Control sequences (colours, cursor moves) do not count when searching a line.
const ANSI_SEQUENCE = /\u001b\[[0-9;?]*[ -/]*[@-~]/g
// Lines already stored come in pages this large (the API's maximum): far fewer round trips and
// parses than one Server-Sent Event per line.
const PAGE_LINES = 5000

export type StoredLine = LogLine & { plain: string }
export type LogStream = {
  /** Every line received so far; the array grows in place, `count` tells how far to read. */
  lines: StoredLine[]
  count: number
  ended: DeploymentStatus | null
  error: string | null
}

/**
 * A deployment's log: what is stored already, read in pages, then the live tail over the
 * Server-Sent Events stream from the last line read. The browser's EventSource reconnects by
 * itself and sends Last-Event-ID, so the server resumes after the last line received. The
 * component re-renders at most once per frame however fast lines arrive.
 */
export function useLogStream(deploymentId: string): LogStream {
  const lines = useRef<StoredLine[]>([])
  const [state, setState] = useState<Omit<LogStream, 'lines'>>({ count: 0, ended: null, error: null })

  useEffect(() => {
    lines.current = []
    setState({ count: 0, ended: null, error: null })
    let closed = false
    let source: EventSource | undefined
    let frame = 0
    const publish = () => {
      frame = 0
      setState((s) => ({ ...s, count: lines.current.length }))
    }
    const add = (line: LogLine) => {
      lines.current.push({ ...line, plain: line.output.replace(ANSI_SEQUENCE, '') })
      frame ||= requestAnimationFrame(publish)
    }

    function follow(after: number) {
      source = new EventSource(routeUrl('deploymentLogStream', { params: { uuid: deploymentId }, query: { after } }))
      source.addEventListener('line', (event) => add(JSON.parse(event.data) as LogLine))
      source.addEventListener('end', (event) => {
        source?.close()
        cancelAnimationFrame(frame)
        const { status } = JSON.parse(event.data) as { status: DeploymentStatus }
        setState({ count: lines.current.length, ended: status, error: null })
      })
      source.addEventListener('error', () => {
        // CONNECTING means the browser is already retrying; CLOSED means it gave up (e.g. 403 or 404).
        if (source?.readyState === EventSource.CLOSED)
          setState((s) => ({ ...s, error: 'The live log stream was refused; reload the page to try again.' }))
      })
    }

    async function load() {
      let after = 0
      for (;;) {
        const page = await call<LogPage>('deploymentLogs', {
          params: { uuid: deploymentId },
          query: { after, limit: PAGE_LINES },
        })
        if (closed) return
        for (const line of page.lines) add(line)
        after = page.next_after
        if (!page.has_more) break
      }
      follow(after)
    }
    load().catch((error: unknown) => {
      if (!closed)
        setState((s) => ({
          ...s,
          error: `The log could not be read: ${error instanceof Error ? error.message : String(error)}`,
        }))
    })

    return () => {
      closed = true
      source?.close()
      cancelAnimationFrame(frame)
    }
  }, [deploymentId])

  return { lines: lines.current, ...state }
}

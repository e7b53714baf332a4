import { useEffect, useRef, useState } from 'react'
import { call, routeUrl } from './client'
import type { BackupRun } from './backup-types'
import type { DeploymentStatus, LogLine, LogPage } from './deployments'

// Control sequences (colours, cursor moves) do not count when searching a line.
const ANSI_SEQUENCE = /\u001b\[[0-9;?]*[ -/]*[@-~]/g
// Lines already stored come in pages this large (the API's maximum): far fewer round trips and
// parses than one Server-Sent Event per line.
const PAGE_LINES = 5000

/** A line as both logs send it (a deployment's lines also say whether they are hidden). */
type StreamedLine = Pick<LogLine, 'seq' | 'ts' | 'stream' | 'output'> & Partial<Pick<LogLine, 'hidden'>>
export type StoredLine = StreamedLine & { plain: string }
export type LogStream<Status extends string = DeploymentStatus> = {
  /** Every line received so far; the array grows in place, `count` tells how far to read. */
  lines: StoredLine[]
  count: number
  ended: Status | null
  error: string | null
}

/** Where a followed log comes from: its stored pages (optional), then its live stream after a line. */
type LogSource = {
  key: string
  pages: ((after: number) => Promise<{ lines: StreamedLine[]; next_after: number; has_more: boolean }>) | null
  streamUrl: (after: number) => string
}

/**
 * A deployment's log: what is stored already, read in pages, then the live tail over the
 * Server-Sent Events stream from the last line read. The browser's EventSource reconnects by
 * itself and sends Last-Event-ID, so the server resumes after the last line received. The
 * component re-renders at most once per frame however fast lines arrive.
 */
export function useLogStream(deploymentId: string): LogStream {
  return useFollowedLog<DeploymentStatus>({
    key: deploymentId,
    pages: (after) =>
      call<LogPage>('deploymentLogs', { params: { uuid: deploymentId }, query: { after, limit: PAGE_LINES } }),
    streamUrl: (after) => routeUrl('deploymentLogStream', { params: { uuid: deploymentId }, query: { after } }),
  })
}

/** A database backup run's log: the live stream from its first line (a run's log is short). */
export function useBackupRunLog(runId: string): LogStream<BackupRun['status']> {
  return useFollowedLog<BackupRun['status']>({
    key: runId,
    pages: null,
    streamUrl: (after) => routeUrl('streamBackupRunLog', { params: { id: runId }, query: { after } }),
  })
}

function useFollowedLog<Status extends string>(source: LogSource): LogStream<Status> {
  const lines = useRef<StoredLine[]>([])
  const [state, setState] = useState<Omit<LogStream<Status>, 'lines'>>({ count: 0, ended: null, error: null })
  const { key } = source
  // The functions change identity every render; the log restarts only when its key changes.
  const sourceRef = useRef(source)
  sourceRef.current = source

  useEffect(() => {
    lines.current = []
    setState({ count: 0, ended: null, error: null })
    let closed = false
    let stream: EventSource | undefined
    let frame = 0
    const publish = () => {
      frame = 0
      setState((s) => ({ ...s, count: lines.current.length }))
    }
    const add = (line: StreamedLine) => {
      lines.current.push({ ...line, plain: line.output.replace(ANSI_SEQUENCE, '') })
      frame ||= requestAnimationFrame(publish)
    }

    function follow(after: number) {
      stream = new EventSource(sourceRef.current.streamUrl(after))
      stream.addEventListener('line', (event) => add(JSON.parse(event.data) as StreamedLine))
      stream.addEventListener('end', (event) => {
        stream?.close()
        cancelAnimationFrame(frame)
        const { status } = JSON.parse(event.data) as { status: Status }
        setState({ count: lines.current.length, ended: status, error: null })
      })
      stream.addEventListener('error', () => {
        // CONNECTING means the browser is already retrying; CLOSED means it gave up (e.g. 403 or 404).
        if (stream?.readyState === EventSource.CLOSED)
          setState((s) => ({ ...s, error: 'The live log stream was refused; reload the page to try again.' }))
      })
    }

    async function load() {
      let after = 0
      const pages = sourceRef.current.pages
      for (; pages; ) {
        const page = await pages(after)
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
      stream?.close()
      cancelAnimationFrame(frame)
    }
  }, [key])

  return { lines: lines.current, ...state }
}

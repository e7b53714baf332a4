import { useEffect, useRef, useState } from 'react'
import { routeUrl } from './client'
import type { DeploymentStatus, LogLine } from './deployments'

// Control sequences (colours, cursor moves) do not count when searching a line.
const ANSI_SEQUENCE = /\u001b\[[0-9;?]*[ -/]*[@-~]/g

export type StoredLine = LogLine & { plain: string }
export type LogStream = {
  /** Every line received so far; the array grows in place, `count` tells how far to read. */
  lines: StoredLine[]
  count: number
  ended: DeploymentStatus | null
  error: string | null
}

/**
 * Follows a deployment's log over its Server-Sent Events stream. The browser's EventSource
 * reconnects by itself and sends Last-Event-ID, so the server resumes after the last line
 * received. Lines arrive by the thousand; the component re-renders at most once per frame.
 */
export function useLogStream(deploymentId: string): LogStream {
  const lines = useRef<StoredLine[]>([])
  const [state, setState] = useState<Omit<LogStream, 'lines'>>({ count: 0, ended: null, error: null })

  useEffect(() => {
    lines.current = []
    setState({ count: 0, ended: null, error: null })
    const source = new EventSource(routeUrl('deploymentLogStream', { params: { uuid: deploymentId } }))
    let frame = 0
    const publish = () => {
      frame = 0
      setState((s) => ({ ...s, count: lines.current.length }))
    }
    source.addEventListener('line', (event) => {
      const line = JSON.parse(event.data) as LogLine
      lines.current.push({ ...line, plain: line.output.replace(ANSI_SEQUENCE, '') })
      frame ||= requestAnimationFrame(publish)
    })
    source.addEventListener('end', (event) => {
      source.close()
      cancelAnimationFrame(frame)
      const { status } = JSON.parse(event.data) as { status: DeploymentStatus }
      setState({ count: lines.current.length, ended: status, error: null })
    })
    source.addEventListener('error', () => {
      // CONNECTING means the browser is already retrying; CLOSED means it gave up (e.g. 403 or 404).
      if (source.readyState === EventSource.CLOSED) setState((s) => ({ ...s, error: 'The log stream could not be opened: you may lack the read:sensitive ability, or the deployment is gone.' }))
    })
    return () => {
      source.close()
      cancelAnimationFrame(frame)
    }
  }, [deploymentId])

  return { lines: lines.current, ...state }
}

import { useQuery } from '@tanstack/react-query'
import { FitAddon } from '@xterm/addon-fit'
import { Terminal } from '@xterm/xterm'
import '@xterm/xterm/css/xterm.css'
import { useEffect, useRef, useState } from 'react'
import { call, routeUrl } from '../api/client'
import { deploymentKeys, RESOURCE_ROUTES, type ResourceType, type RuntimeStatus } from '../api/deployments'
import { ErrorNotice, Loading } from './Notice'

type Connection = { state: 'connecting' } | { state: 'open' } | { state: 'closed'; reason: string }

/**
 * A shell in one of the resource's running containers: xterm.js over the API's WebSocket, which
 * runs the engine's exec with a pseudo-terminal. The session is audited (start and end), never its keystrokes.
 */
export function ContainerTerminal({ resourceId, type }: { resourceId: string; type: ResourceType }) {
  const runtime = useQuery({
    queryKey: deploymentKeys.runtime(resourceId),
    queryFn: () => call<RuntimeStatus>(RESOURCE_ROUTES[type].status, { params: { uuid: resourceId } }),
    retry: false,
  })
  const [container, setContainer] = useState('')
  const [session, setSession] = useState(0)
  const running = runtime.data?.containers.filter((c) => c.state === 'running') ?? []
  const chosen = container || running[0]?.name || ''
  return (
    <section aria-labelledby="terminal-title">
      <h2 id="terminal-title">Terminal</h2>
      {runtime.isPending ? (
        <Loading what="the containers" />
      ) : runtime.error ? (
        <ErrorNotice error={runtime.error} />
      ) : running.length === 0 ? (
        <p>No container is running: deploy first.</p>
      ) : (
        <>
          <div className="log-toolbar">
            <label>
              Container{' '}
              <select value={chosen} onChange={(e) => setContainer(e.target.value)}>
                {running.map((c) => (
                  <option key={c.name} value={c.name}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={() => setSession((n) => n + 1)}>
              Reconnect
            </button>
          </div>
          <Shell key={`${chosen} ${session}`} resourceId={resourceId} type={type} container={chosen} />
        </>
      )}
    </section>
  )
}

function Shell({ resourceId, type, container }: { resourceId: string; type: ResourceType; container: string }) {
  const box = useRef<HTMLDivElement>(null)
  const [connection, setConnection] = useState<Connection>({ state: 'connecting' })
  useEffect(() => {
    if (!box.current) return
    // Screen reader mode keeps the screen's text in the page as an accessible tree, not only drawn.
    const term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 5000, screenReaderMode: true })
    const fit = new FitAddon()
    term.loadAddon(fit)
    term.open(box.current)
    fit.fit()
    const path = routeUrl(RESOURCE_ROUTES[type].terminal, {
      params: { uuid: resourceId },
      query: { container, cols: term.cols, rows: term.rows },
    })
    const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`)
    socket.binaryType = 'arraybuffer'
    const send = (message: object) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message))
    }
    socket.onopen = () => {
      setConnection({ state: 'open' })
      term.focus()
    }
    socket.onmessage = (e: MessageEvent<ArrayBuffer>) => term.write(new Uint8Array(e.data))
    socket.onclose = (e) =>
      // 1006: the handshake was refused (no ability, revoked) or the connection dropped, without a reason.
      setConnection({ state: 'closed', reason: e.reason || 'The connection was refused or lost.' })
    const typed = term.onData((data) => send({ type: 'input', data }))
    const resized = term.onResize(({ cols, rows }) => send({ type: 'resize', cols, rows }))
    const observer = new ResizeObserver(() => fit.fit())
    observer.observe(box.current)
    return () => {
      observer.disconnect()
      typed.dispose()
      resized.dispose()
      socket.close()
      term.dispose()
    }
  }, [resourceId, type, container])
  return (
    <>
      <p role="status" className="muted">
        {connection.state === 'connecting'
          ? `Connecting to ${container}…`
          : connection.state === 'open'
            ? `Connected to ${container}. Sessions are recorded in the audit log (not what you type).`
            : `Closed: ${connection.reason}`}
      </p>
      <div ref={box} className="terminal-box" aria-label={`Terminal in ${container}`} role="group" />
    </>
  )
}

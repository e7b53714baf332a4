import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useDeferredValue, useEffect, useRef, useState } from 'react'
import { call, routeUrl } from '../api/client'
import { RESOURCE_ROUTES, type ContainerLogs as Logs, type ResourceType } from '../api/deployments'
import { AnsiText } from './AnsiText'
import { ErrorNotice, Loading } from './Notice'
import '../deployments.css'

const TAIL_LINES = 500
// Following appends to what is shown; past this many lines per container the oldest go.
const KEPT_LINES = 2000

/**
 * The containers' own output from the engine (redacted by the API), per container: follow live,
 * filter by a word, wrap long lines or not.
 */
export function ContainerLogs({ resourceId, type }: { resourceId: string; type: ResourceType }) {
  const [follow, setFollow] = useState(true)
  const [wrap, setWrap] = useState(true)
  const [query, setQuery] = useState('')
  const search = useDeferredValue(query.toLowerCase())
  const queryKey = ['container-logs', type, resourceId]
  const logs = useQuery({
    queryKey,
    queryFn: () =>
      call<Logs>(RESOURCE_ROUTES[type].logs, { params: { uuid: resourceId }, query: { lines: TAIL_LINES } }),
    retry: false,
  })
  useFollow(follow && logs.isSuccess, resourceId, type, queryKey)
  return (
    <section aria-labelledby="container-logs-title">
      <h2 id="container-logs-title">Container logs</h2>
      <div className="log-toolbar">
        <input
          type="search"
          aria-label="Filter the container logs"
          placeholder="Filter lines"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <label>
          <input type="checkbox" role="switch" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          Follow
        </label>
        <label>
          <input type="checkbox" role="switch" checked={wrap} onChange={(e) => setWrap(e.target.checked)} />
          Wrap lines
        </label>
      </div>
      {logs.isPending ? (
        <Loading what="the container logs" />
      ) : logs.error ? (
        <ErrorNotice error={logs.error} />
      ) : logs.data.containers.length === 0 ? (
        <p>No containers: deploy first.</p>
      ) : (
        logs.data.containers.map((c) => (
          <ContainerOutput
            key={c.name}
            name={c.name}
            state={c.status}
            lines={search ? c.lines.filter((l) => l.toLowerCase().includes(search)) : c.lines}
            follow={follow}
            wrap={wrap}
          />
        ))
      )}
    </section>
  )
}

/**
 * While following: the engine's live stream of new lines (Server-Sent Events), appended to the
 * tail already shown. Turning follow back on reads the tail again first, so nothing in between is missed.
 */
function useFollow(on: boolean, resourceId: string, type: ResourceType, queryKey: string[]) {
  const client = useQueryClient()
  const key = JSON.stringify(queryKey)
  const paused = useRef(false)
  useEffect(() => {
    if (!on) return
    if (paused.current) void client.invalidateQueries({ queryKey: JSON.parse(key) })
    const source = new EventSource(routeUrl(RESOURCE_ROUTES[type].logStream, { params: { uuid: resourceId } }))
    source.addEventListener('line', (e) => {
      const { container, line } = JSON.parse((e as MessageEvent<string>).data) as { container: string; line: string }
      client.setQueryData<Logs>(JSON.parse(key), (old) =>
        old
          ? {
              containers: old.containers.map((c) =>
                c.name === container ? { ...c, lines: [...c.lines, line].slice(-KEPT_LINES) } : c,
              ),
            }
          : old,
      )
    })
    source.addEventListener('end', () => source.close())
    return () => {
      source.close()
      paused.current = true
    }
  }, [on, resourceId, type, key, client])
}

function ContainerOutput(props: { name: string; state: string; lines: string[]; follow: boolean; wrap: boolean }) {
  const box = useRef<HTMLPreElement>(null)
  const { lines, follow } = props
  // Following means the newest line stays in view as lines arrive.
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight
  }, [lines, follow])
  return (
    <article className="container-log" aria-label={`Output of ${props.name}`}>
      <header>
        <strong>{props.name}</strong> <span className="muted">{props.state}</span>
      </header>
      <pre ref={box} className={props.wrap ? 'container-log-lines wrap' : 'container-log-lines'} tabIndex={0}>
        {lines.length === 0 ? (
          <span className="muted">No output.</span>
        ) : (
          lines.map((line, i) => (
            // The engine's lines carry no id; their position in this tail is the only key there is.
            <div key={i} className="container-log-line">
              <AnsiText line={line} query="" />
            </div>
          ))
        )}
      </pre>
    </article>
  )
}

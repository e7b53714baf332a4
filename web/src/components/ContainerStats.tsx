import { useEffect, useState } from 'react'
import { routeUrl } from '../api/client'
import { RESOURCE_ROUTES, type ResourceType } from '../api/deployments'
import { formatBytes } from './Notice'

type Sample = {
  name: string
  cpu_percent: number
  memory_bytes: number
  memory_limit_bytes: number
  memory_percent: number
  net_rx_bytes: number
  net_tx_bytes: number
}

/** Live CPU, memory and network per running container, from the engine's stats stream (while the page is open). */
export function ContainerStats({ resourceId, type }: { resourceId: string; type: ResourceType }) {
  const [samples, setSamples] = useState<Record<string, Sample>>({})
  const [ended, setEnded] = useState<string | null>(null)
  useEffect(() => {
    const source = new EventSource(routeUrl(RESOURCE_ROUTES[type].stats, { params: { uuid: resourceId } }))
    source.addEventListener('stats', (e) => {
      const sample = JSON.parse((e as MessageEvent<string>).data) as Sample
      setSamples((all) => ({ ...all, [sample.name]: sample }))
    })
    source.addEventListener('end', (e) => {
      setEnded((JSON.parse((e as MessageEvent<string>).data) as { reason: string }).reason)
      source.close()
    })
    return () => source.close()
  }, [resourceId, type])
  const rows = Object.values(samples).sort((a, b) => a.name.localeCompare(b.name))
  return (
    <section aria-labelledby="stats-title">
      <h2 id="stats-title">Live resources</h2>
      {ended ? (
        <p>{ended}</p>
      ) : rows.length === 0 ? (
        <p aria-busy="true">Waiting for the engine's first figures…</p>
      ) : (
        <div className="table-scroll">
          <table aria-label="Live container resources">
            <thead>
              <tr>
                <th scope="col">Container</th>
                <th scope="col">CPU</th>
                <th scope="col">Memory</th>
                <th scope="col">Network in / out</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.name} data-container={s.name}>
                  <td>{s.name}</td>
                  <td data-testid="cpu">{s.cpu_percent.toFixed(1)} %</td>
                  <td data-testid="memory">
                    {formatBytes(s.memory_bytes)} <span className="muted">of {formatBytes(s.memory_limit_bytes)}</span>
                  </td>
                  <td>
                    {formatBytes(s.net_rx_bytes)} / {formatBytes(s.net_tx_bytes)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

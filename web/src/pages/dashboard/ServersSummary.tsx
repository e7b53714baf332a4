import { Link } from 'react-router'
import type { Dashboard } from '../../api/dashboard-types'

/** Each server: reachable or not, its containers, and its proxy. */
export function ServersSummary({ servers }: { servers: Dashboard['servers'] }) {
  return (
    <section aria-labelledby="servers-summary-title">
      <h2 id="servers-summary-title">Servers and proxy</h2>
      <div className="table-scroll">
        <table aria-label="Servers">
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">Engine</th>
              <th scope="col">Containers</th>
              <th scope="col">Proxy</th>
            </tr>
          </thead>
          <tbody>
            {servers.map((s) => (
              <tr key={s.uuid}>
                <td>
                  <Link to="/servers">{s.name}</Link>
                  {s.default && <span className="muted"> · default</span>}
                </td>
                <td>
                  {s.reachable === null ? (
                    <span className="muted">not checked yet</span>
                  ) : (
                    <span className={`badge health health-${s.reachable ? 'healthy' : 'unhealthy'}`}>
                      {s.reachable ? 'reachable' : 'unreachable'}
                    </span>
                  )}
                </td>
                <td>
                  {s.containers_running === null
                    ? '—'
                    : `${s.containers_running} running, ${s.containers_stopped ?? 0} stopped`}
                </td>
                <td title={s.proxy.message}>
                  <span className={`badge proxy-${s.proxy.state}`}>{s.proxy.state.replace(/_/g, ' ')}</span>
                  {s.proxy.reading_berth_config === true && <span className="muted"> · reads Berth's files</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

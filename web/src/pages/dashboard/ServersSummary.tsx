import { Link } from 'react-router'
import type { Dashboard } from '../../api/dashboard-types'
import { DataTable } from '../../components/DataTable'
import { formatDisk } from '../../components/Notice'

/** Each server: reachable or not, its containers, its engine's disk and load, and its proxy. */
export function ServersSummary({ servers }: { servers: Dashboard['servers'] }) {
  return (
    <section aria-labelledby="servers-summary-title">
      <h2 id="servers-summary-title">Servers and proxy</h2>
      <DataTable
        label="Servers"
        rows={servers}
        rowKey={(s) => s.uuid}
        empty="No server."
        columns={[
          {
            header: 'Server',
            cell: (s) => (
              <>
                <Link to="/servers">{s.name}</Link>
                {s.default && <span className="muted"> · default</span>}
              </>
            ),
          },
          {
            header: 'Engine',
            cell: (s) =>
              s.reachable === null ? (
                <span className="muted">not checked yet</span>
              ) : (
                <span className={`badge health health-${s.reachable ? 'healthy' : 'unhealthy'}`}>
                  {s.reachable ? 'reachable' : 'unreachable'}
                </span>
              ),
          },
          {
            header: 'Containers',
            cell: (s) =>
              s.containers_running === null
                ? '—'
                : `${s.containers_running} running, ${s.containers_stopped ?? 0} stopped`,
          },
          {
            header: 'Disk',
            cell: (s) =>
              s.disk === null ? (
                <span
                  className="muted"
                  title="Not known: the server is not reachable, or its engine's data directory cannot be read"
                >
                  —
                </span>
              ) : (
                formatDisk(s.disk)
              ),
          },
          {
            header: 'Load',
            cell: (s) =>
              s.load === null ? (
                <span className="muted" title="Not known: the server is not reachable, or it has no /proc/loadavg">
                  —
                </span>
              ) : (
                <span
                  title={`1, 5 and 15 minutes: ${s.load.one}, ${s.load.five}, ${s.load.fifteen}`}
                  data-testid="load"
                >
                  {s.load.one.toFixed(2)} <span className="muted">on {s.load.cpus} CPUs</span>
                </span>
              ),
          },
          {
            header: 'Proxy',
            cell: (s) => (
              <span title={s.proxy.message}>
                <span className={`badge proxy-${s.proxy.state}`}>{s.proxy.state.replace(/_/g, ' ')}</span>
                {s.proxy.reading_berth_config === true && <span className="muted"> · reads Berth's files</span>}
              </span>
            ),
          },
        ]}
      />
    </section>
  )
}

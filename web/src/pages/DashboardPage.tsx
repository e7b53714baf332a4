import { Link } from 'react-router'
import type { Attention } from '../api/dashboard-types'
import { useDashboard } from '../api/queries'
import { useDeploymentEvents } from '../api/useDeploymentEvents'
import { QueryState } from '../components/QueryState'
import { formatTime } from '../components/Notice'
import { ProjectHealth } from './dashboard/ProjectHealth'
import { LastBackups } from './dashboard/LastBackups'
import { ServersSummary } from './dashboard/ServersSummary'
import '../dashboard.css'

// Containers crash and recover with no deployment event: look again this often too.
const ENGINE_REFRESH_MS = 10_000

/** The home page: what needs attention first, then every project's health, deployments, servers and proxy. */
export function DashboardPage() {
  useDeploymentEvents()
  const board = useDashboard({ refetchInterval: ENGINE_REFRESH_MS })
  return (
    <section>
      <h1>Dashboard</h1>
      <QueryState query={board} what="the dashboard">
        {(d) => (
          <>
            <AttentionList items={d.attention} />
            <dl className="dashboard-figures" aria-label="Deployments">
              <div>
                <dt>Running now</dt>
                <dd data-testid="deployments-running">{d.deployments.running + d.deployments.queued}</dd>
              </div>
              <div>
                <dt>Failed in 24 h</dt>
                <dd data-testid="deployments-failed" className={d.deployments.failed_24h > 0 ? 'figure-bad' : ''}>
                  {d.deployments.failed_24h}
                </dd>
              </div>
              <div>
                <dt>Finished in 24 h</dt>
                <dd>{d.deployments.finished_24h}</dd>
              </div>
              <div>
                <dt>Proxy configuration</dt>
                <dd className="figure-small">
                  {d.proxy_sync
                    ? `${d.proxy_sync.ok ? 'synced' : 'sync failed'} ${formatTime(d.proxy_sync.last_run_at)}`
                    : 'not synced yet'}
                </dd>
              </div>
            </dl>
            <h2>Projects</h2>
            {d.projects.length === 0 ? (
              <p>
                No projects yet: <Link to="/projects">create one</Link>.
              </p>
            ) : (
              <div className="grid-cards">
                {d.projects.map((p) => (
                  <ProjectHealth key={p.uuid} project={p} />
                ))}
              </div>
            )}
            <ServersSummary servers={d.servers} />
            <LastBackups backups={d.backups} />
            <p className="muted">
              Updated {formatTime(d.generated_at)}; live. Press <kbd>Ctrl K</kbd> to jump to any page or resource.
            </p>
          </>
        )}
      </QueryState>
    </section>
  )
}

const TARGETS: Record<Attention['target']['type'], (uuid: string | null) => string> = {
  service: (id) => `/services/${id}`,
  database: (id) => `/databases/${id}`,
  deployment: (id) => `/deployments/${id}`,
  server: () => '/servers',
  proxy: () => '/proxy',
  // A database's backups are a tab of its page; Berth's own backups have no uuid.
  backup: (id) => (id ? `/databases/${id}/backups` : '/backups'),
}

function AttentionList({ items }: { items: Attention[] }) {
  return (
    <section aria-labelledby="attention-title" className="attention">
      <h2 id="attention-title">Needs attention</h2>
      {items.length === 0 ? (
        <p className="notice-ok">Nothing needs attention.</p>
      ) : (
        <ul>
          {items.map((a) => (
            <li key={`${a.target.type}-${a.target.uuid}-${a.message}`} className={`attention-${a.severity}`}>
              <span className={`badge severity-${a.severity}`}>{a.severity}</span>{' '}
              <Link to={TARGETS[a.target.type](a.target.uuid)}>{a.message}</Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

import { Link } from 'react-router'
import type { Dashboard } from '../../api/dashboard-types'
import { formatTime } from '../../components/Notice'

type Outcome = Dashboard['backups']['databases'][number]

function Result({ backup }: { backup: Pick<Outcome, 'status' | 'at' | 'message'> }) {
  return (
    <>
      <span className={`badge health health-${backup.status === 'succeeded' ? 'healthy' : 'unhealthy'}`}>
        {backup.status}
      </span>{' '}
      <span title={backup.message ?? undefined}>{formatTime(backup.at)}</span>
    </>
  )
}

/** The last backup of Berth itself (for instance administrators) and of each of the team's databases. */
export function LastBackups({ backups }: { backups: Dashboard['backups'] }) {
  return (
    <section aria-labelledby="backups-summary-title">
      <h2 id="backups-summary-title">Last backups</h2>
      <ul className="plain-list" aria-label="Last backups">
        {backups.berth !== undefined && (
          <li data-backup="berth">
            <Link to="/backups">Berth itself</Link>:{' '}
            {backups.berth ? <Result backup={backups.berth} /> : <span className="muted">never backed up</span>}
          </li>
        )}
        {backups.databases.map((b) => (
          <li key={b.database_uuid} data-backup={b.database_uuid}>
            <Link to={`/databases/${b.database_uuid}/backups`}>{b.database_name}</Link>: <Result backup={b} />
          </li>
        ))}
        {backups.databases.length === 0 && <li className="muted">No database backup has run yet.</li>}
      </ul>
    </section>
  )
}

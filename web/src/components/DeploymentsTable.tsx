import { Link } from 'react-router'
import { formatDuration, resourcePage, type Deployment } from '../api/deployments'
import { formatTime } from './Notice'
import { DeploymentStatusBadge } from './StatusBadge'

/** Deployments as rows: status, what, how long, how it was triggered, by whom and when. */
export function DeploymentsTable({
  deployments,
  label,
  showResource = true,
}: {
  deployments: Deployment[]
  label: string
  showResource?: boolean
}) {
  return (
    <div className="table-scroll">
      <table className="deployments" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Status</th>
            {showResource && <th scope="col">Resource</th>}
            <th scope="col">Action</th>
            <th scope="col">Commit</th>
            <th scope="col">Duration</th>
            <th scope="col">Trigger</th>
            <th scope="col">By</th>
            <th scope="col">Queued</th>
          </tr>
        </thead>
        <tbody>
          {deployments.map((d) => (
            <tr key={d.deployment_uuid}>
              <td>
                <Link
                  to={`/deployments/${d.deployment_uuid}`}
                  aria-label={`Deployment ${d.deployment_uuid}: ${d.status}`}
                >
                  <DeploymentStatusBadge status={d.status} />
                </Link>
              </td>
              {showResource && (
                <td>
                  <ResourceLink deployment={d} />
                  <span className="muted"> · {d.resource_type}</span>
                </td>
              )}
              <td>
                <Link to={`/deployments/${d.deployment_uuid}`}>{d.action}</Link>
              </td>
              <td>
                {d.git?.commit ? (
                  <span title={d.git.author ?? undefined}>
                    {/* The branch it was built from; a rollback or a named commit has the sha as its ref. */}
                    {!d.git.commit.startsWith(d.git.ref) && <span className="muted">{d.git.ref} </span>}
                    <code>{d.git.commit.slice(0, 7)}</code> {d.git.message}
                    {d.git.author && <span className="muted"> · {d.git.author.replace(/\s*<[^>]*>$/, '')}</span>}
                  </span>
                ) : (
                  (d.git?.ref ?? '—')
                )}
              </td>
              <td>{formatDuration(d.started_at, d.finished_at)}</td>
              <td>{d.trigger}</td>
              <td>{d.created_by ?? '—'}</td>
              <td>{formatTime(d.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function ResourceLink({ deployment: d }: { deployment: Deployment }) {
  const page = resourcePage(d.resource_type, d.resource_uuid)
  return page ? <Link to={page}>{d.resource_name}</Link> : <>{d.resource_name}</>
}

import { Link } from 'react-router'
import type { Dashboard, Health } from '../../api/dashboard-types'
import { RESOURCE_ROUTES } from '../../api/deployments'
import { DeploymentStatusBadge } from '../../components/StatusBadge'

/** A resource's health as a badge; the word is there, colour is never the only cue. */
function HealthBadge({ health }: { health: Health }) {
  return (
    <span className={`badge health health-${health.replace(/ /g, '-')}`} data-health={health}>
      {health}
    </span>
  )
}

/** One project's services and databases with their health, containers and last deployment. */
export function ProjectHealth({ project }: { project: Dashboard['projects'][number] }) {
  return (
    <article className="card project-health" aria-label={`Project ${project.name}`}>
      <h3>
        <Link to={`/projects/${project.uuid}`}>{project.name}</Link>
      </h3>
      {project.resources.length === 0 ? (
        <p className="muted">Nothing in it yet.</p>
      ) : (
        <ul className="resource-health">
          {project.resources.map((r) => (
            <li key={r.uuid} data-resource={r.name}>
              <Link to={RESOURCE_ROUTES[r.type].page(r.uuid)}>{r.name}</Link>
              {r.type === 'database' && <span className="muted"> · {r.database_type}</span>}{' '}
              <HealthBadge health={r.health} />
              {r.containers.total !== null && r.containers.total > 0 && (
                <span className="muted">
                  {' '}
                  {r.containers.running}/{r.containers.total} up
                </span>
              )}
              {r.last_deployment && (
                <Link to={`/deployments/${r.last_deployment.uuid}`} aria-label={`Last deployment of ${r.name}`}>
                  <DeploymentStatusBadge status={r.last_deployment.status} />
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
    </article>
  )
}

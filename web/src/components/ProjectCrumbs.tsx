import { Link } from 'react-router'
import { useProject } from '../api/queries'

/** The breadcrumb of a page inside a project (a service's, a database's): Projects › project › here. */
export function ProjectCrumbs({ projectId, current }: { projectId: string; current: string }) {
  const project = useProject(projectId)
  return (
    <nav aria-label="Breadcrumb">
      <ul>
        <li>
          <Link to="/projects">Projects</Link>
        </li>
        <li>
          <Link to={`/projects/${projectId}`}>{project.data?.name ?? 'Project'}</Link>
        </li>
        <li>{current}</li>
      </ul>
    </nav>
  )
}

import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { call } from '../api/client'
import type { ProjectDetail } from '../api/types'

/** The breadcrumb of a page inside a project (a service's, a database's): Projects › project › here. */
export function ProjectCrumbs({ projectId, current }: { projectId: string; current: string }) {
  const project = useQuery({
    queryKey: ['project', projectId],
    queryFn: () => call<ProjectDetail>('project', { params: { uuid: projectId } }),
  })
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

import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link, Route, Routes, useNavigate, useParams } from 'react-router'
import { useAbility } from '../api/abilities'
import { ApiError, call } from '../api/client'
import { useProject } from '../api/queries'
import type { ProjectDetail, Service } from '../api/types'
import { useDeploymentEvents } from '../api/useDeploymentEvents'
import { ErrorNotice, Loading } from '../components/Notice'
import { SectionTabs } from '../components/SectionTabs'
import { ServerSelect } from '../components/ServerSelect'
import { LatestDeploymentBadge } from '../components/StatusBadge'
import { YamlEditor } from '../components/YamlEditor'
import { DatabasesSection } from './project/DatabasesSection'
import { DomainsSection } from './project/DomainsSection'
import { MiddlewaresSection } from './project/MiddlewaresSection'
import { ProjectSettings } from './project/ProjectSettings'

const STARTER_COMPOSE = `services:
  app:
    image: nginx:1.27
    restart: unless-stopped
`

export function ProjectPage() {
  const { projectId = '' } = useParams()
  useDeploymentEvents()
  const project = useProject(projectId)
  const mayWrite = useAbility('write')

  if (project.isPending) return <Loading what="the project" />
  if (project.error) return <ErrorNotice error={project.error} />
  const p = project.data
  const base = `/projects/${projectId}`
  return (
    <section>
      <nav aria-label="Breadcrumb">
        <ul>
          <li>
            <Link to="/projects">Projects</Link>
          </li>
          <li>{p.name}</li>
        </ul>
      </nav>
      <h1>{p.name}</h1>
      {p.description && <p>{p.description}</p>}

      <SectionTabs
        label="Project sections"
        tabs={[
          { to: base, label: 'Services', end: true },
          { to: `${base}/databases`, label: 'Databases' },
          { to: `${base}/domains`, label: 'Domains & routes' },
          { to: `${base}/middlewares`, label: 'Middlewares' },
          ...(mayWrite ? [{ to: `${base}/settings`, label: 'Settings' }] : []),
        ]}
      />
      <Routes>
        <Route index element={<ServicesTab project={p} />} />
        <Route path="databases" element={<DatabasesSection projectId={projectId} />} />
        <Route path="domains" element={<DomainsSection projectId={projectId} services={p.services} />} />
        <Route path="middlewares" element={<MiddlewaresSection projectId={projectId} />} />
        <Route path="settings" element={<ProjectSettings project={p} />} />
      </Routes>
    </section>
  )
}

/** The project's services with their last deployment, and the form for a new one. */
function ServicesTab({ project: p }: { project: ProjectDetail }) {
  const mayWrite = useAbility('write')
  return (
    <section aria-labelledby="services-title">
      <h2 id="services-title">Services</h2>
      {p.services.length === 0 ? (
        <p>No services yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Description</th>
                <th scope="col">Version</th>
                <th scope="col">Last deployment</th>
              </tr>
            </thead>
            <tbody>
              {p.services.map((s) => (
                <tr key={s.uuid}>
                  <td>
                    <Link to={`/services/${s.uuid}`}>{s.name}</Link>
                  </td>
                  <td>{s.description}</td>
                  <td>v{s.current_version}</td>
                  <td>
                    <LatestDeploymentBadge resourceId={s.uuid} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {mayWrite && <CreateService projectId={p.uuid} defaultServer={p.default_server_uuid} />}
    </section>
  )
}

function CreateService({ projectId, defaultServer }: { projectId: string; defaultServer: string | null }) {
  const [name, setName] = useState('')
  const [server, setServer] = useState(defaultServer ?? '')
  const [compose, setCompose] = useState(STARTER_COMPOSE)
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const create = useMutation({
    mutationFn: () =>
      call<Service>('createService', {
        params: { uuid: projectId },
        body: { name, compose, ...(server && { server_uuid: server }) },
      }),
    onSuccess: async (service) => {
      await queryClient.invalidateQueries({ queryKey: ['project', projectId] })
      navigate(`/services/${service.uuid}`)
    },
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    create.mutate()
  }
  const issues = create.error instanceof ApiError ? create.error.issues : []
  return (
    <details>
      <summary role="button" className="outline">
        New service
      </summary>
      <form onSubmit={submit} aria-labelledby="new-service">
        <h3 id="new-service">New service</h3>
        <label>
          Service name
          <input
            name="service-name"
            required
            maxLength={63}
            pattern="[a-z0-9]([a-z0-9-]*[a-z0-9])?"
            title="lower-case letters, digits and hyphens; starts and ends with a letter or digit"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <ServerSelect label="Server" value={server} onChange={setServer} />
        <label htmlFor="new-service-compose">Compose file</label>
        <YamlEditor
          id="new-service-compose"
          label="Compose file of the new service"
          value={compose}
          onChange={setCompose}
          issues={issues}
        />
        <ErrorNotice error={create.error} />
        <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
          Create service
        </button>
      </form>
    </details>
  )
}

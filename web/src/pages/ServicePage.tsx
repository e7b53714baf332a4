import { Navigate, Route, Routes, useParams } from 'react-router'
import { useAbility } from '../api/abilities'
import { useDatabase, useProject, useService } from '../api/queries'
import { useDeploymentEvents } from '../api/useDeploymentEvents'
import { ContainerLogs } from '../components/ContainerLogs'
import { ContainerStats } from '../components/ContainerStats'
import { TerminalTab } from '../components/TerminalTab'
import { DeployActions } from '../components/DeployActions'
import { ErrorNotice, Loading } from '../components/Notice'
import { ProjectCrumbs } from '../components/ProjectCrumbs'
import { SectionTabs } from '../components/SectionTabs'
import { LatestDeploymentBadge, RuntimeBadge } from '../components/StatusBadge'
import { ComposeTab } from './service/ComposeTab'
import { DeploymentsTab } from './service/DeploymentsTab'
import { EnvTab } from './service/EnvTab'
import { GitTab } from './service/GitTab'
import { HistoryTab } from './service/HistoryTab'
import { ParametersTab } from './service/ParametersTab'
import { TemplateUpgrade } from './service/TemplateUpgrade'
import { VolumeBackupsTab } from './service/VolumeBackupsTab'

export function ServicePage() {
  const { serviceId = '', '*': tab } = useParams()
  useDeploymentEvents()
  const service = useService(serviceId)

  // A database is a service with a databases row, and has its own page (an old link, a bookmark).
  // Its project lists only its plain services, so only one missing from a fresh copy of that list
  // (a cached one may predate a service just made) is asked for as a database, and only a database
  // that is there leads to its page. A plain service's Backups tab backs up its named volumes.
  const project = useProject(service.data?.project_uuid ?? '', service.isSuccess)
  const plain = project.data?.services.some((x) => x.uuid === serviceId)
  const database = useDatabase(serviceId, project.isFetchedAfterMount && !plain)
  const mayOpenTerminal = useAbility('terminal')

  if (service.isPending) return <Loading what="the service" />
  if (service.error) return <ErrorNotice error={service.error} />
  if (database.data) return <Navigate to={`/databases/${serviceId}${tab ? `/${tab}` : ''}`} replace />
  const s = service.data
  const base = `/services/${serviceId}`
  return (
    <section>
      <ProjectCrumbs projectId={s.project_uuid} current={s.name} />
      <h1>
        {s.name} <small className="badge">v{s.current_version}</small>
      </h1>
      <p className="service-status" aria-label="Status">
        <LatestDeploymentBadge resourceId={serviceId} /> <RuntimeBadge resourceId={serviceId} />
      </p>
      {s.description && <p>{s.description}</p>}
      <TemplateUpgrade serviceId={serviceId} />
      <DeployActions resourceId={serviceId} type="service" shortcut />
      <SectionTabs
        label="Service sections"
        tabs={[
          { to: base, label: 'Compose', end: true },
          { to: `${base}/history`, label: 'History' },
          { to: `${base}/deployments`, label: 'Deployments' },
          { to: `${base}/logs`, label: 'Logs' },
          { to: `${base}/stats`, label: 'Stats' },
          ...(mayOpenTerminal ? [{ to: `${base}/terminal`, label: 'Terminal' }] : []),
          { to: `${base}/env`, label: 'Environment' },
          { to: `${base}/parameters`, label: 'Parameters' },
          { to: `${base}/git`, label: 'Git' },
          ...(plain ? [{ to: `${base}/backups`, label: 'Backups' }] : []),
        ]}
      />
      <Routes>
        <Route index element={<ComposeTab serviceId={serviceId} />} />
        <Route path="history" element={<HistoryTab serviceId={serviceId} />} />
        <Route path="deployments" element={<DeploymentsTab service={s} />} />
        <Route path="logs" element={<ContainerLogs resourceId={serviceId} type="service" />} />
        <Route path="stats" element={<ContainerStats resourceId={serviceId} type="service" />} />
        <Route path="terminal" element={<TerminalTab resourceId={serviceId} type="service" />} />
        <Route path="env" element={<EnvTab serviceId={serviceId} />} />
        <Route path="parameters" element={<ParametersTab serviceId={serviceId} />} />
        <Route path="git" element={<GitTab serviceId={serviceId} />} />
        <Route path="backups" element={<VolumeBackupsTab serviceId={serviceId} serviceName={s.name} />} />
      </Routes>
    </section>
  )
}

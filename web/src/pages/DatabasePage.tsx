import { Route, Routes, useParams } from 'react-router'
import { useAbility } from '../api/abilities'
import { useDatabase } from '../api/queries'
import { useDeploymentEvents } from '../api/useDeploymentEvents'
import { ContainerLogs } from '../components/ContainerLogs'
import { ContainerStats } from '../components/ContainerStats'
import { TerminalTab } from '../components/TerminalTab'
import { DeployActions } from '../components/DeployActions'
import { ErrorNotice, Loading } from '../components/Notice'
import { ProjectCrumbs } from '../components/ProjectCrumbs'
import { SectionTabs } from '../components/SectionTabs'
import { LatestDeploymentBadge, RuntimeBadge } from '../components/StatusBadge'
import { ConnectionFacts } from './database/ConnectionFacts'
import { BackupsTab } from './service/BackupsTab'
import { ResourceDeployments } from './service/DeploymentsTab'

/** A standalone database: engine status, its actions, connection details, deployments, logs, a terminal and its backups. */
export function DatabasePage() {
  const { databaseId = '' } = useParams()
  useDeploymentEvents()
  const database = useDatabase(databaseId)
  const mayOpenTerminal = useAbility('terminal')
  if (database.isPending) return <Loading what="the database" />
  if (database.error) return <ErrorNotice error={database.error} />
  const d = database.data
  const base = `/databases/${databaseId}`
  return (
    <section>
      <ProjectCrumbs projectId={d.project_uuid} current={d.name} />
      <h1>
        {d.name} <small className="badge">{d.type}</small>
      </h1>
      <p className="service-status" aria-label="Status">
        <LatestDeploymentBadge resourceId={databaseId} type="database" />{' '}
        <RuntimeBadge resourceId={databaseId} type="database" />
      </p>
      <DeployActions resourceId={databaseId} type="database" shortcut />
      <SectionTabs
        label="Database sections"
        tabs={[
          { to: base, label: 'Connection', end: true },
          { to: `${base}/deployments`, label: 'Deployments' },
          { to: `${base}/logs`, label: 'Logs' },
          { to: `${base}/stats`, label: 'Stats' },
          ...(mayOpenTerminal ? [{ to: `${base}/terminal`, label: 'Terminal' }] : []),
          { to: `${base}/backups`, label: 'Backups' },
        ]}
      />
      <Routes>
        <Route index element={<ConnectionFacts database={d} />} />
        <Route path="deployments" element={<ResourceDeployments resourceId={databaseId} type="database" />} />
        <Route path="logs" element={<ContainerLogs resourceId={databaseId} type="database" />} />
        <Route path="stats" element={<ContainerStats resourceId={databaseId} type="database" />} />
        <Route path="terminal" element={<TerminalTab resourceId={databaseId} type="database" />} />
        <Route path="backups" element={<BackupsTab owner={{ kind: 'database', id: databaseId, name: d.name }} />} />
      </Routes>
    </section>
  )
}

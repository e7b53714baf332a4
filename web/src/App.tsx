import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { matchPath, Navigate, Route, Routes, useLocation } from 'react-router'
import { ApiError, call, onUnauthorized } from './api/client'
import type { Me } from './api/types'
import { Layout } from './components/Layout'
import { Loading } from './components/Notice'
import { useTitleFromHeading } from './components/useTitleFromHeading'
import { AccountPage } from './pages/AccountPage'
import { AdminTeamsPage, AdminUsersPage } from './pages/AdminPages'
import { AuditPage } from './pages/AuditPage'
import { DashboardPage } from './pages/DashboardPage'
import { DatabasePage } from './pages/DatabasePage'
import { DeploymentPage } from './pages/DeploymentPage'
import { DeploymentsPage } from './pages/DeploymentsPage'
import { BackupsPage } from './pages/BackupsPage'
import { LoginPage } from './pages/LoginPage'
import { NotYetPage } from './pages/NotYetPage'
import { ProjectPage } from './pages/ProjectPage'
import { InvitePage } from './pages/public/InvitePage'
import { ResetPasswordPage } from './pages/public/ResetPasswordPage'
import { ProjectsPage } from './pages/ProjectsPage'
import { ProxyPage } from './pages/ProxyPage'
import { ServersPage } from './pages/ServersPage'
import { ServicePage } from './pages/ServicePage'
import { SettingsPage } from './pages/SettingsPage'
import { NotificationsPage } from './pages/NotificationsPage'
import { BackupDestinationsPage } from './pages/BackupDestinationsPage'
import { RegistriesPage } from './pages/RegistriesPage'
import { TeamPage } from './pages/TeamPage'
import { TemplateImportPage } from './pages/TemplateImportPage'
import { TemplateDeployPage, TemplatesPage } from './pages/TemplatesPage'
import { TokensPage } from './pages/TokensPage'

// Pages a link sent by someone opens, with or without a session (a new user has none).
const PUBLIC_PATHS = ['/invite/:token', '/reset-password/:token']

export function App() {
  useTitleFromHeading()
  const queryClient = useQueryClient()
  const { pathname } = useLocation()
  const isPublic = PUBLIC_PATHS.some((pattern) => matchPath(pattern, pathname))
  const me = useQuery({
    queryKey: ['me'],
    queryFn: () => call<Me>('me'),
    retry: false,
    staleTime: 60_000,
    enabled: !isPublic,
  })

  // Any 401 (an expired session) sends the user back to the login form.
  useEffect(() => onUnauthorized(() => queryClient.setQueryData(['me'], null)), [queryClient])

  if (isPublic)
    return (
      <Routes>
        <Route path="invite/:token" element={<InvitePage />} />
        <Route path="reset-password/:token" element={<ResetPasswordPage />} />
      </Routes>
    )
  if (me.isPending)
    return (
      <main className="container">
        <Loading what="Berth" />
      </main>
    )
  const signedOut = me.data === null || (me.error instanceof ApiError && me.error.status === 401)
  if (signedOut || !me.data) {
    if (!signedOut && me.error)
      return (
        <main className="container">
          <p role="alert">Berth is not reachable: {me.error.message}</p>
        </main>
      )
    return <LoginPage onLoggedIn={() => queryClient.invalidateQueries()} />
  }

  return (
    <Routes>
      <Route element={<Layout me={me.data} />}>
        <Route index element={<DashboardPage />} />
        <Route path="projects" element={<ProjectsPage />} />
        <Route path="projects/:projectId/*" element={<ProjectPage />} />
        <Route path="services/:serviceId/*" element={<ServicePage />} />
        <Route path="databases/:databaseId/*" element={<DatabasePage />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="proxy" element={<ProxyPage />} />
        <Route path="tokens" element={<TokensPage />} />
        <Route path="templates" element={<TemplatesPage />} />
        <Route path="templates/import" element={<TemplateImportPage />} />
        <Route path="templates/:templateId" element={<TemplateDeployPage />} />
        <Route path="deployments" element={<DeploymentsPage />} />
        <Route path="deployments/:deploymentId" element={<DeploymentPage />} />
        <Route path="servers" element={<ServersPage />} />
        <Route path="backups" element={<BackupsPage />} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="team" element={<TeamPage />} />
        <Route path="team/notifications" element={<NotificationsPage />} />
        <Route path="instance/notifications" element={<NotificationsPage scope="instance" />} />
        <Route path="team/backup-destinations" element={<BackupDestinationsPage />} />
        <Route path="team/registries" element={<RegistriesPage />} />
        <Route path="account" element={<AccountPage />} />
        <Route path="admin" element={<Navigate to="/admin/users" replace />} />
        <Route path="admin/users" element={<AdminUsersPage />} />
        <Route path="admin/teams" element={<AdminTeamsPage />} />
        <Route path="*" element={<NotYetPage title="Page not found" missing />} />
      </Route>
    </Routes>
  )
}

import { useMutation, useQueryClient } from '@tanstack/react-query'
import { NavLink, Outlet } from 'react-router'
import { call } from '../api/client'
import type { Me } from '../api/types'

// One entry per area; deployments and servers get real pages when their API lands.
const NAV = [
  { to: '/projects', label: 'Projects' },
  { to: '/deployments', label: 'Deployments' },
  { to: '/servers', label: 'Servers' },
  { to: '/proxy', label: 'Proxy' },
  { to: '/audit', label: 'Audit log' },
  { to: '/tokens', label: 'API tokens' },
  { to: '/backups', label: 'Backups' },
  { to: '/settings', label: 'Settings' },
]

export function Layout({ me }: { me: Me }) {
  const queryClient = useQueryClient()
  const logout = useMutation({
    mutationFn: () => call('logout'),
    onSettled: () => {
      queryClient.clear()
      queryClient.setQueryData(['me'], null)
    },
  })
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="container-fluid site-header">
        <nav aria-label="Main">
          <ul>
            <li>
              <strong className="brand">⚓ Berth</strong>
            </li>
          </ul>
          <ul className="nav-links">
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to}>{item.label}</NavLink>
              </li>
            ))}
          </ul>
          <ul>
            <li className="who" title={me.user.email}>
              {me.user.email}
            </li>
            <li>
              <button
                type="button"
                className="outline secondary small"
                onClick={() => logout.mutate()}
                aria-busy={logout.isPending}
              >
                Log out
              </button>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" className="container" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  )
}

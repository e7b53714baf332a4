import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router'
import { useAbility } from '../api/abilities'
import { call } from '../api/client'
import { CommandPalette } from './CommandPalette'
import type { TeamList } from '../api/team-types'
import type { Me } from '../api/types'

// One entry per area; deployments and servers get real pages when their API lands.
const NAV = [
  { to: '/', label: 'Dashboard' },
  { to: '/projects', label: 'Projects' },
  { to: '/templates', label: 'Templates' },
  { to: '/deployments', label: 'Deployments' },
  { to: '/servers', label: 'Servers' },
  { to: '/proxy', label: 'Proxy' },
  { to: '/audit', label: 'Audit log' },
  { to: '/team', label: 'Team' },
  { to: '/tokens', label: 'API tokens' },
  { to: '/backups', label: 'Backups' },
  { to: '/settings', label: 'Settings' },
]

// Pages of one resource: after a team switch they would answer 404, so the switcher leaves them.
const RESOURCE_PAGES = /^\/(projects|services|deployments)\/./

export function Layout({ me }: { me: Me }) {
  const queryClient = useQueryClient()
  // On a phone the links fold behind a Menu button; following one folds them again.
  const [menuOpen, setMenuOpen] = useState(false)
  const isInstanceAdmin = useAbility('instance')
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
            <li className="menu-toggle">
              <button
                type="button"
                className="outline secondary small"
                aria-expanded={menuOpen}
                aria-controls="main-links"
                onClick={() => setMenuOpen(!menuOpen)}
              >
                Menu
              </button>
            </li>
          </ul>
          <ul
            className={menuOpen ? 'nav-links open' : 'nav-links'}
            id="main-links"
            onClickCapture={() => setMenuOpen(false)}
          >
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.to === '/'}>
                  {item.label}
                </NavLink>
              </li>
            ))}
            {isInstanceAdmin && (
              <li>
                <NavLink to="/admin/users">Admin</NavLink>
              </li>
            )}
          </ul>
          <ul>
            {me.via !== 'token' && <TeamSwitcher />}
            <li className="who" title={me.user.email}>
              <Link to="/account">{me.user.email}</Link>
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
      <CommandPalette pages={NAV} />
    </>
  )
}

/** The session's current team, and the user's other teams to switch to (shown only with more than one). */
function TeamSwitcher() {
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const { pathname } = useLocation()
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => call<TeamList>('teams'), staleTime: 60_000 })
  const switchTeam = useMutation({
    mutationFn: (teamUuid: string) => call('switchTeam', { body: { team_uuid: teamUuid } }),
    onSuccess: async () => {
      if (RESOURCE_PAGES.test(pathname)) navigate('/projects')
      // Everything cached belongs to the other team: dropped, so no page shows it meanwhile. Who the
      // user is and their teams stay on screen while they refetch (the abilities change with the team).
      const kept = (key: unknown) => key === 'me' || key === 'teams'
      await Promise.all([
        queryClient.resetQueries({ predicate: (q) => !kept(q.queryKey[0]) }),
        queryClient.invalidateQueries({ predicate: (q) => kept(q.queryKey[0]) }),
      ])
    },
  })
  if (!teams.data || teams.data.teams.length < 2) return null
  return (
    <li>
      <select
        aria-label="Current team"
        className="team-switcher"
        value={teams.data.current}
        disabled={switchTeam.isPending}
        aria-busy={switchTeam.isPending || undefined}
        onChange={(e) => switchTeam.mutate(e.target.value)}
      >
        {teams.data.teams.map((t) => (
          <option key={t.uuid} value={t.uuid}>
            {t.name} ({t.role})
          </option>
        ))}
      </select>
    </li>
  )
}

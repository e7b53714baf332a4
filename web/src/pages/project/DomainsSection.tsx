import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { useAbility } from '../../api/abilities'
import { call } from '../../api/client'
import type { Domain, Middleware, ProxyRoute, RouteTarget } from '../../api/proxy-types'
import type { ServiceSummary } from '../../api/types'
import '../../admin.css'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { DataTable, RowButton } from '../../components/DataTable'
import { ErrorNotice } from '../../components/Notice'
import { QueryState } from '../../components/QueryState'
import { DomainForm } from './DomainForm'
import { useMiddlewares } from './MiddlewaresSection'
import { RouteForm } from './RouteForm'

type Props = { projectId: string; services: ServiceSummary[] }

/** The project's domains, their routes and middlewares: everything the proxy files are made from. */
export function DomainsSection({ projectId, services }: Props) {
  const domains = useQuery({
    queryKey: ['domains', projectId],
    queryFn: () => call<{ domains: Domain[] }>('domains', { params: { uuid: projectId } }),
  })
  const middlewares = useMiddlewares(projectId).data?.middlewares ?? []
  const [adding, setAdding] = useState(false)
  const mayWrite = useAbility('write')
  return (
    <section aria-labelledby="domains-title">
      <h2 id="domains-title">Domains and routes</h2>
      <p className="muted">
        Changes apply to the proxy without a redeploy; the generated files are on the <Link to="/proxy">Proxy</Link>{' '}
        page.
      </p>
      <QueryState query={domains} what="domains">
        {(data) =>
          data.domains.length === 0 ? (
            <p>No domains yet.</p>
          ) : (
            data.domains.map((d) => (
              <DomainCard key={d.id} projectId={projectId} domain={d} services={services} middlewares={middlewares} />
            ))
          )
        }
      </QueryState>
      {adding ? (
        <DomainForm projectId={projectId} onDone={() => setAdding(false)} />
      ) : (
        mayWrite && (
          <button type="button" className="outline" onClick={() => setAdding(true)}>
            New domain
          </button>
        )
      )}
    </section>
  )
}

type CardProps = { projectId: string; domain: Domain; services: ServiceSummary[]; middlewares: Middleware[] }

function DomainCard({ projectId, domain, services, middlewares }: CardProps) {
  const queryClient = useQueryClient()
  const [editing, setEditing] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const mayWrite = useAbility('write')
  const remove = useMutation({
    mutationFn: () => call('deleteDomain', { params: { id: domain.id } }),
    onSuccess: async () => {
      setConfirming(false)
      await queryClient.invalidateQueries({ queryKey: ['domains', projectId] })
    },
  })
  if (editing) return <DomainForm projectId={projectId} domain={domain} onDone={() => setEditing(false)} />
  return (
    <article className="domain-card" aria-label={`Domain ${domain.full_domain}`}>
      <header className="card-header">
        <h3>
          {domain.full_domain}{' '}
          {domain.tls_mode !== 'none' && (
            <small className="badge">
              {domain.tls_mode === 'internal' ? "HTTPS (proxy's own certificate)" : 'HTTPS'}
            </small>
          )}{' '}
          {!domain.active && <small className="badge badge-warn">inactive</small>}
        </h3>
        {mayWrite && (
          <div className="button-row">
            <RowButton label="Edit" target={domain.full_domain} onClick={() => setEditing(true)} />
            <RowButton label="Delete" target={domain.full_domain} secondary onClick={() => setConfirming(true)} />
          </div>
        )}
      </header>
      <RoutesOfDomain domain={domain} services={services} middlewares={middlewares} />
      <ErrorNotice error={remove.error} />
      <ConfirmDialog
        open={confirming}
        title={`Delete ${domain.full_domain}?`}
        confirmLabel="Delete domain"
        onConfirm={() => remove.mutate()}
        onCancel={() => setConfirming(false)}
      >
        <p>Its routes are deleted too, and the proxy stops serving it.</p>
      </ConfirmDialog>
    </article>
  )
}

function describeTarget(target: RouteTarget, services: ServiceSummary[]): string {
  if ('url' in target) return target.url
  const service = services.find((s) => s.uuid === target.service)?.name ?? target.service
  return `${service} / ${target.compose_service}:${target.port}`
}

function RoutesOfDomain({ domain, services, middlewares }: Omit<CardProps, 'projectId'>) {
  const queryClient = useQueryClient()
  const routes = useQuery({
    queryKey: ['routes', domain.id],
    queryFn: () => call<{ routes: ProxyRoute[] }>('routes', { params: { id: domain.id } }),
  })
  const [editing, setEditing] = useState<ProxyRoute | 'new' | null>(null)
  const mayWrite = useAbility('write')
  const remove = useMutation({
    mutationFn: (id: string) => call('deleteRoute', { params: { id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['routes', domain.id] }),
  })
  const nameOf = (id: string) => middlewares.find((m) => m.id === id)?.name ?? id
  return (
    <>
      <QueryState query={routes} what="routes">
        {(data) => (
          <DataTable
            label={`Routes of ${domain.full_domain}`}
            rows={data.routes}
            rowKey={(r) => r.id}
            empty="No routes yet: the domain serves nothing until it has one."
            columns={[
              { header: 'Path', cell: (r) => <code>{r.path_match === 'exact' ? r.path : `${r.path}*`}</code> },
              { header: 'Target', cell: (r) => describeTarget(r.target, services) },
              { header: 'Middlewares', cell: (r) => r.middlewares.map(nameOf).join(' → ') || '—' },
            ]}
            actions={
              mayWrite
                ? (r) => (
                    <>
                      <RowButton label="Edit" target={`route ${r.path}`} onClick={() => setEditing(r)} />{' '}
                      <RowButton
                        label="Delete"
                        target={`route ${r.path}`}
                        secondary
                        onClick={() => remove.mutate(r.id)}
                      />
                    </>
                  )
                : undefined
            }
          />
        )}
      </QueryState>
      <ErrorNotice error={remove.error} />
      {editing ? (
        <RouteForm
          key={editing === 'new' ? 'new' : editing.id}
          domainId={domain.id}
          services={services}
          middlewares={middlewares}
          route={editing === 'new' ? undefined : editing}
          onDone={() => setEditing(null)}
        />
      ) : (
        mayWrite && (
          <button type="button" className="outline small" onClick={() => setEditing('new')}>
            Add route <span className="visually-hidden">to {domain.full_domain}</span>
          </button>
        )
      )}
    </>
  )
}

import { useInfiniteQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { call } from '../api/client'
import type { AuditItem, AuditPage as Page } from '../api/types'
import { ErrorNotice, formatTime, Loading } from '../components/Notice'

const PAGE_SIZE = 50

function resourceLink(item: AuditItem) {
  if (!item.resource_id) return null
  if (item.resource_type === 'service') return <Link to={`/services/${item.resource_id}`}>service</Link>
  if (item.resource_type === 'project') return <Link to={`/projects/${item.resource_id}`}>project</Link>
  return <span>{item.resource_type}</span>
}

function summary(details: AuditItem['details']): string {
  if (!details) return ''
  return Object.entries(details)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(' · ')
}

export function AuditPage() {
  const [filters, setFilters] = useState({ action: '', resource_type: '' })
  const [draft, setDraft] = useState(filters)
  const feed = useInfiniteQuery({
    queryKey: ['audit', filters],
    queryFn: ({ pageParam }) => call<Page>('audit', { query: { ...filters, limit: PAGE_SIZE, cursor: pageParam } }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  })

  function submit(event: FormEvent) {
    event.preventDefault()
    setFilters(draft)
  }

  const items = feed.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <section>
      <h1>Audit log</h1>
      <form onSubmit={submit} aria-label="Filter the audit log" className="filters">
        <div className="grid">
          <label>
            Action
            <input name="action" placeholder="compose.* or project.created" value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} />
          </label>
          <label>
            Resource type
            <select name="resource_type" value={draft.resource_type} onChange={(e) => setDraft({ ...draft, resource_type: e.target.value })}>
              <option value="">any</option>
              <option value="project">project</option>
              <option value="service">service</option>
              <option value="domain">domain</option>
              <option value="route">route</option>
              <option value="token">token</option>
              <option value="settings">settings</option>
              <option value="backup">backup</option>
            </select>
          </label>
        </div>
        <button type="submit" className="secondary">
          Filter
        </button>
      </form>
      {feed.isPending ? (
        <Loading what="the audit log" />
      ) : feed.error ? (
        <ErrorNotice error={feed.error} />
      ) : items.length === 0 ? (
        <p>Nothing recorded{filters.action || filters.resource_type ? ' for these filters' : ''}.</p>
      ) : (
        <ol className="audit-feed" aria-label="Audit entries, newest first">
          {items.map((item) => (
            <li key={item.id} className="audit-item">
              <div>
                <code className="audit-action">{item.action}</code> {resourceLink(item)}
              </div>
              <div className="muted">
                {item.actor.name ?? item.actor.type} · {formatTime(item.created_at)}
                {item.ip && <> · {item.ip}</>}
              </div>
              {summary(item.details) && <div className="audit-details">{summary(item.details)}</div>}
            </li>
          ))}
        </ol>
      )}
      {feed.hasNextPage && (
        <button type="button" className="secondary" onClick={() => feed.fetchNextPage()} aria-busy={feed.isFetchingNextPage} disabled={feed.isFetchingNextPage}>
          Load older entries
        </button>
      )}
    </section>
  )
}

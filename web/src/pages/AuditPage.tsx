import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { call } from '../api/client'
import type { AuditItem, Me, AuditPage as Page } from '../api/types'
import '../admin.css'
import { ErrorNotice, formatTime, Loading } from '../components/Notice'

const PAGE_SIZE = 50

const RESOURCE_PAGES: Record<string, (id: string) => string> = {
  service: (id) => `/services/${id}`,
  database: (id) => `/databases/${id}`,
  project: (id) => `/projects/${id}`,
  deployment: (id) => `/deployments/${id}`,
}

/** The resource by its name (its id on hover), linked when it has a page. */
function resourceLink(item: AuditItem) {
  if (!item.resource_id) return null
  const label = (
    <>
      {item.resource_type} <strong>{item.resource_name ?? item.resource_id.slice(0, 8)}</strong>
    </>
  )
  const page = item.resource_type ? RESOURCE_PAGES[item.resource_type] : undefined
  return page ? (
    <Link to={page(item.resource_id)} title={item.resource_id}>
      {label}
    </Link>
  ) : (
    <span title={item.resource_id}>{label}</span>
  )
}

function summary(details: AuditItem['details']): string {
  if (!details) return ''
  return Object.entries(details)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(' · ')
}

/** A datetime-local value (the user's local time) as the ISO time the API takes. */
function isoOrUndefined(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined
}

const NO_FILTERS = { action: '', resource_type: '', actor: '', since: '', until: '' }

/** Calls `onVisible` whenever the returned element scrolls into view: the feed loads older pages as the reader reaches its end. */
function useWhenVisible(onVisible: () => void) {
  const sentinel = useRef<HTMLDivElement>(null)
  const callback = useRef(onVisible)
  callback.current = onVisible
  useEffect(() => {
    const element = sentinel.current
    if (!element) return
    const observer = new IntersectionObserver(
      (entries) => entries.some((e) => e.isIntersecting) && callback.current(),
      { rootMargin: '200px' },
    )
    observer.observe(element)
    return () => observer.disconnect()
    // Observed anew after every render on purpose: a sentinel still in view once a page has loaded
    // is reported again by the fresh observer, so short pages keep loading until the view is full.
  })
  return sentinel
}

export function AuditPage() {
  const me = useQueryClient().getQueryData<Me | null>(['me'])
  const [filters, setFilters] = useState(NO_FILTERS)
  const [draft, setDraft] = useState(filters)
  const feed = useInfiniteQuery({
    queryKey: ['audit', filters],
    queryFn: ({ pageParam }) =>
      call<Page>('audit', {
        query: {
          ...filters,
          since: isoOrUndefined(filters.since),
          until: isoOrUndefined(filters.until),
          limit: PAGE_SIZE,
          cursor: pageParam,
        },
      }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  })
  const sentinel = useWhenVisible(() => {
    if (feed.hasNextPage && !feed.isFetchingNextPage) void feed.fetchNextPage()
  })

  function submit(event: FormEvent) {
    event.preventDefault()
    setFilters(draft)
  }
  function apply(next: typeof NO_FILTERS) {
    setDraft(next)
    setFilters(next)
  }
  const filtered = Object.values(filters).some((v) => v !== '')

  const items = feed.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <section>
      <h1>Audit log</h1>
      <form onSubmit={submit} aria-label="Filter the audit log" className="filters">
        <div className="grid">
          <label>
            Action
            <input
              name="action"
              placeholder="compose.* or project.created"
              value={draft.action}
              onChange={(e) => setDraft({ ...draft, action: e.target.value })}
            />
          </label>
          <label>
            Resource type
            <select
              name="resource_type"
              value={draft.resource_type}
              onChange={(e) => setDraft({ ...draft, resource_type: e.target.value })}
            >
              <option value="">any</option>
              <option value="project">project</option>
              <option value="service">service</option>
              <option value="domain">domain</option>
              <option value="route">route</option>
              <option value="token">token</option>
              <option value="settings">settings</option>
              <option value="backup">backup</option>
              <option value="middleware">middleware</option>
              <option value="database">database</option>
              <option value="server">server</option>
            </select>
          </label>
        </div>
        <div className="grid">
          <label>
            Actor id
            <input
              name="actor"
              placeholder="a user or token id"
              value={draft.actor}
              onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
            />
          </label>
          <label>
            From
            <input
              type="datetime-local"
              name="since"
              value={draft.since}
              onChange={(e) => setDraft({ ...draft, since: e.target.value })}
            />
          </label>
          <label>
            Until
            <input
              type="datetime-local"
              name="until"
              value={draft.until}
              onChange={(e) => setDraft({ ...draft, until: e.target.value })}
            />
          </label>
        </div>
        <div className="button-row">
          <button type="submit" className="secondary">
            Filter
          </button>
          {me && (
            <button type="button" className="outline secondary" onClick={() => apply({ ...draft, actor: me.user.id })}>
              Only my actions
            </button>
          )}
          {filtered && (
            <button type="button" className="outline secondary" onClick={() => apply(NO_FILTERS)}>
              Clear filters
            </button>
          )}
        </div>
      </form>
      {feed.isPending ? (
        <Loading what="the audit log" />
      ) : feed.error ? (
        <ErrorNotice error={feed.error} />
      ) : items.length === 0 ? (
        <p>Nothing recorded{filtered ? ' for these filters' : ''}.</p>
      ) : (
        <ol className="audit-feed" aria-label="Audit entries, newest first">
          {items.map((item) => (
            <li key={item.id} className="audit-item">
              <div>
                <code className="audit-action">{item.action}</code> {resourceLink(item)}
              </div>
              <div className="muted">
                {item.actor.id ? (
                  <button
                    type="button"
                    className="link-button"
                    title={`Show only this actor's entries (${item.actor.type} ${item.actor.id})`}
                    onClick={() => apply({ ...draft, actor: item.actor.id! })}
                  >
                    {item.actor.name ?? item.actor.type}
                  </button>
                ) : (
                  (item.actor.name ?? item.actor.type)
                )}{' '}
                · {formatTime(item.created_at)}
                {item.ip && <> · {item.ip}</>}
              </div>
              {summary(item.details) && <div className="audit-details">{summary(item.details)}</div>}
            </li>
          ))}
        </ol>
      )}
      <div ref={sentinel} aria-hidden="true" />
      {feed.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => feed.fetchNextPage()}
          aria-busy={feed.isFetchingNextPage}
          disabled={feed.isFetchingNextPage}
        >
          Load older entries
        </button>
      )}
    </section>
  )
}

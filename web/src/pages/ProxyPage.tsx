import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useAbility } from '../api/abilities'
import { call } from '../api/client'
import type { ProxyStatus, SyncRun } from '../api/proxy-types'
import type { ProxyFile, ProxyFileContent } from '../api/types'
import '../admin.css'
import { ErrorNotice, formatTime, SuccessNotice } from '../components/Notice'
import { QueryState } from '../components/QueryState'
import { YamlEditor } from '../components/YamlEditor'
import { RenderIssues } from './project/ProxyPreview'
import { ProxyContainers } from './ProxyContainers'

/** Files grouped by their folder ("static", "dynamic"), folders and files sorted by name. */
function byFolder(files: ProxyFile[]): [string, ProxyFile[]][] {
  const folders = new Map<string, ProxyFile[]>()
  for (const f of files) {
    const folder = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/')) : '.'
    folders.set(folder, [...(folders.get(folder) ?? []), f])
  }
  return [...folders.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([folder, list]) => [folder, list.sort((a, b) => a.path.localeCompare(b.path))])
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1)

export function ProxyPage() {
  const queryClient = useQueryClient()
  const maySync = useAbility('write')
  const status = useQuery({
    queryKey: ['proxy-status'],
    queryFn: () => call<ProxyStatus>('proxyStatus'),
    refetchInterval: 10_000,
  })
  const files = useQuery({ queryKey: ['proxy-files'], queryFn: () => call<{ files: ProxyFile[] }>('proxyFiles') })
  const [selected, setSelected] = useState<string | null>(null)
  const content = useQuery({
    queryKey: ['proxy-file', selected],
    queryFn: () => call<ProxyFileContent>('proxyFileContent', { query: { path: selected! } }),
    enabled: selected !== null,
  })
  const sync = useMutation({
    mutationFn: () => call<SyncRun>('proxySync'),
    onSettled: () => queryClient.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('proxy-') }),
  })
  const drifted = files.data?.files.filter((f) => f.drift).length ?? 0
  const syncedAt = files.data?.files.find((f) => f.path === selected)?.synced_at

  return (
    <section>
      <h1>Proxy</h1>
      <h2>Proxy containers</h2>
      <ProxyContainers />
      <h2>Sync status</h2>
      <QueryState query={status} what="the sync status">
        {(s) => (
          <dl className="facts">
            <dt>Last sync</dt>
            <dd>
              {s.running
                ? 'running now'
                : s.last_run
                  ? `${formatTime(s.last_run.started_at)} (${s.last_run.scope}, ${Math.round(s.last_run.duration_ms)} ms)`
                  : 'not yet'}
            </dd>
            <dt>Files with drift</dt>
            <dd data-testid="drift-count">
              {drifted} now; {s.totals.drift_repaired} repaired since start
            </dd>
            <dt>Runs</dt>
            <dd>
              {s.totals.runs} runs, {s.totals.files_written} files written, {s.totals.failed_runs} failed
            </dd>
            {s.last_run?.error && (
              <>
                <dt>Last error</dt>
                <dd role="alert">{s.last_run.error}</dd>
              </>
            )}
            {s.last_run && s.last_run.render_issues.length > 0 && (
              <>
                <dt>Files kept because their new content was invalid</dt>
                <dd>
                  <RenderIssues issues={s.last_run.render_issues} />
                </dd>
              </>
            )}
          </dl>
        )}
      </QueryState>
      {maySync ? (
        <button
          type="button"
          className="secondary"
          onClick={() => sync.mutate()}
          aria-busy={sync.isPending}
          disabled={sync.isPending}
        >
          Sync now
        </button>
      ) : (
        <p className="muted">A full sync on demand needs the write ability.</p>
      )}
      <ErrorNotice error={sync.error} />
      {sync.data && (
        <SuccessNotice>
          Synced in {Math.round(sync.data.duration_ms)} ms: {sync.data.files_written.length} written,{' '}
          {sync.data.files_removed.length} removed, {sync.data.drift_repaired.length} drift repaired.
        </SuccessNotice>
      )}

      <h2>Generated files</h2>
      <QueryState query={files} what="files">
        {(data) =>
          data.files.length === 0 ? (
            <p>No generated files yet: they appear when a project has a domain.</p>
          ) : (
            <div className="proxy-browser">
              <div>
                <ul className="file-tree" aria-label="Generated files">
                  {byFolder(data.files).map(([folder, list]) => (
                    <li key={folder}>
                      <span className="folder">{folder}/</span>
                      <ul className="file-list">
                        {list.map((f) => (
                          <li key={f.path}>
                            <button
                              type="button"
                              className={selected === f.path ? 'small' : 'outline small'}
                              aria-pressed={selected === f.path}
                              onClick={() => setSelected(f.path)}
                              title={f.path}
                            >
                              {f.project_name && <strong>{f.project_name} · </strong>}
                              {baseName(f.path)} {f.drift && <small className="badge badge-warn">drift</small>}
                            </button>
                          </li>
                        ))}
                      </ul>
                    </li>
                  ))}
                </ul>
              </div>
              <div className="file-viewer">
                {selected === null && <p className="muted">Choose a file to see its content.</p>}
                {content.data && (
                  <>
                    <p>
                      <code>{content.data.path}</code>{' '}
                      {syncedAt && <small className="muted">synced {formatTime(syncedAt)}</small>}
                    </p>
                    <YamlEditor label={`Content of ${content.data.path}`} value={content.data.content} readOnly />
                  </>
                )}
                <ErrorNotice error={content.error} />
              </div>
            </div>
          )
        }
      </QueryState>
    </section>
  )
}

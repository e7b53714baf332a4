import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { call } from '../api/client'
import type { ProxyFile } from '../api/types'
import { ErrorNotice, formatTime, Loading } from '../components/Notice'
import { YamlEditor } from '../components/YamlEditor'

type ProxyStatus = {
  running: boolean
  last_run: { finished_at?: string; error?: string | null } | null
  totals: { runs: number; files_written: number; files_removed: number; drift_repaired: number; failed_runs: number }
}

export function ProxyPage() {
  const status = useQuery({ queryKey: ['proxy-status'], queryFn: () => call<ProxyStatus>('proxyStatus'), refetchInterval: 10_000 })
  const files = useQuery({ queryKey: ['proxy-files'], queryFn: () => call<{ files: ProxyFile[] }>('proxyFiles') })
  const [selected, setSelected] = useState<string | null>(null)
  const content = useQuery({
    queryKey: ['proxy-file', selected],
    queryFn: () => call<{ path: string; content: string }>('proxyFileContent', { query: { path: selected! } }),
    enabled: selected !== null,
  })

  return (
    <section>
      <h1>Proxy</h1>
      <h2>Sync status</h2>
      {status.isPending ? (
        <Loading what="the sync status" />
      ) : status.error ? (
        <ErrorNotice error={status.error} />
      ) : (
        <p>
          {status.data.running ? 'Syncing now. ' : ''}
          {status.data.totals.runs} runs, {status.data.totals.files_written} files written, {status.data.totals.drift_repaired} drift repairs, {status.data.totals.failed_runs} failed
          {status.data.last_run?.finished_at && <> · last run {formatTime(status.data.last_run.finished_at)}</>}
          {status.data.last_run?.error && <span role="alert"> · last error: {status.data.last_run.error}</span>}
        </p>
      )}
      <h2>Generated files</h2>
      {files.isPending ? (
        <Loading what="files" />
      ) : files.error ? (
        <ErrorNotice error={files.error} />
      ) : files.data.files.length === 0 ? (
        <p>No generated files yet: they appear when a project has a domain.</p>
      ) : (
        <div className="proxy-browser">
          <ul className="file-list" aria-label="Generated files">
            {files.data.files.map((f) => (
              <li key={f.path}>
                <button type="button" className={selected === f.path ? '' : 'outline'} aria-pressed={selected === f.path} onClick={() => setSelected(f.path)}>
                  {f.path} {f.drift && <small className="badge badge-warn">drift</small>}
                </button>
              </li>
            ))}
          </ul>
          <div>
            {content.data && <YamlEditor label={`Content of ${content.data.path}`} value={content.data.content} readOnly />}
            <ErrorNotice error={content.error} />
          </div>
        </div>
      )}
    </section>
  )
}

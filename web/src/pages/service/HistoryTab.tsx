import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useAbility } from '../../api/abilities'
import { call } from '../../api/client'
import type { ComposeDiff, SavedVersion, VersionList } from '../../api/types'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { DiffView } from '../../components/DiffView'
import { ErrorNotice, formatTime, Loading, SuccessNotice } from '../../components/Notice'

export function HistoryTab({ serviceId }: { serviceId: string }) {
  const queryClient = useQueryClient()
  const mayWrite = useAbility('write')
  const versions = useQuery({
    queryKey: ['versions', serviceId],
    queryFn: () => call<VersionList>('versions', { params: { uuid: serviceId } }),
  })
  const [pick, setPick] = useState<{ from?: number; to?: number }>({})
  const [layout, setLayout] = useState<'side-by-side' | 'line-by-line'>('line-by-line')
  const [rendered, setRendered] = useState(false)
  const [rollbackTo, setRollbackTo] = useState<number | null>(null)
  const [rolledBack, setRolledBack] = useState<string | null>(null)

  const list = versions.data?.versions ?? []
  // By default: what the newest version changed.
  const to = pick.to ?? list[0]?.version
  const from = pick.from ?? list[1]?.version ?? to
  const diff = useQuery({
    queryKey: ['diff', serviceId, from, to, rendered],
    queryFn: () =>
      call<ComposeDiff>('diff', { params: { uuid: serviceId }, query: { from, to, rendered: String(rendered) } }),
    enabled: from !== undefined && to !== undefined,
  })

  const rollback = useMutation({
    mutationFn: (version: number) =>
      call<SavedVersion>('rollback', {
        params: { uuid: serviceId },
        body: { version, base_version: versions.data?.current_version },
      }),
    onSuccess: async (written, version) => {
      setRolledBack(`Rolled back to version ${version}: saved as version ${written.version}.`)
      setPick({})
      await queryClient.invalidateQueries({ predicate: (q) => q.queryKey[1] === serviceId })
    },
  })

  if (versions.isPending) return <Loading what="the version history" />
  if (versions.error) return <ErrorNotice error={versions.error} />

  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Version history</h2>
      <SuccessNotice>{rolledBack}</SuccessNotice>
      <ErrorNotice error={rollback.error} />
      <div className="table-scroll">
        <table className="versions" aria-labelledby="history-title">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Description</th>
              <th scope="col">Author</th>
              <th scope="col">Time</th>
              <th scope="col">Compare</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((v) => (
              <tr key={v.version} aria-current={v.version === versions.data.current_version ? 'true' : undefined}>
                <td>
                  v{v.version}
                  {v.version === versions.data.current_version && <small className="badge">current</small>}
                </td>
                <td>{v.description}</td>
                <td>{v.author_name ?? v.author_type}</td>
                <td>{formatTime(v.created_at)}</td>
                <td className="compare">
                  <label>
                    <input
                      type="radio"
                      name="from"
                      checked={from === v.version}
                      onChange={() => setPick({ from: v.version, to })}
                      aria-label={`Compare from version ${v.version}`}
                    />
                    from
                  </label>
                  <label>
                    <input
                      type="radio"
                      name="to"
                      checked={to === v.version}
                      onChange={() => setPick({ from, to: v.version })}
                      aria-label={`Compare to version ${v.version}`}
                    />
                    to
                  </label>
                </td>
                <td>
                  {mayWrite && v.version !== versions.data.current_version && (
                    <button type="button" className="outline small" onClick={() => setRollbackTo(v.version)}>
                      Roll back to v{v.version}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h3 id="diff-title">
        Changes from v{from} to v{to}
      </h3>
      <fieldset className="diff-options" aria-labelledby="diff-title">
        <label>
          <input
            type="radio"
            name="layout"
            checked={layout === 'line-by-line'}
            onChange={() => setLayout('line-by-line')}
          />
          Unified
        </label>
        <label>
          <input
            type="radio"
            name="layout"
            checked={layout === 'side-by-side'}
            onChange={() => setLayout('side-by-side')}
          />
          Side by side
        </label>
        <label>
          <input type="checkbox" role="switch" checked={rendered} onChange={(e) => setRendered(e.target.checked)} />
          With parameters filled in
        </label>
      </fieldset>
      {diff.isPending ? (
        <Loading what="the diff" />
      ) : diff.error ? (
        <ErrorNotice error={diff.error} />
      ) : diff.data.identical ? (
        <p data-testid="diff-identical">The two versions are identical.</p>
      ) : (
        <DiffView diff={diff.data.diff} layout={layout} />
      )}

      <ConfirmDialog
        open={rollbackTo !== null}
        title={`Roll back to version ${rollbackTo}?`}
        confirmLabel={`Roll back to v${rollbackTo}`}
        onCancel={() => setRollbackTo(null)}
        onConfirm={() => {
          if (rollbackTo !== null) rollback.mutate(rollbackTo)
          setRollbackTo(null)
        }}
      >
        <p>
          This saves a new version {(versions.data.current_version ?? 0) + 1} with the content and parameter values of
          version {rollbackTo}. No version is deleted; you can roll forward again the same way.
        </p>
      </ConfirmDialog>
    </section>
  )
}

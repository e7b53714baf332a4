import { useMutation, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query'
import { useMemo, type FormEvent } from 'react'
import { ApiError, call } from '../../api/client'
import type { Preview, PreviewChange, RenderIssue } from '../../api/proxy-types'
import { DiffView } from '../../components/DiffView'
import { ErrorNotice } from '../../components/Notice'
import { useDebounced } from '../../components/useDebounced'
import { YamlEditor } from '../../components/YamlEditor'

const PREVIEW_DELAY_MS = 400

export type ProxyPreviewState = ReturnType<typeof useProxyPreview>

/**
 * Asks the API what a change would write, once the form has been still for a moment. `blocked`
 * is true when the change would produce an invalid proxy file (422, or issues in the answer):
 * saving it would be refused, so the form disables Save.
 */
export function useProxyPreview(change: PreviewChange | null) {
  // The form rebuilds the change on every render; its JSON text is what identifies it.
  const text = JSON.stringify(change)
  const stable = useMemo(() => (text === 'null' ? null : (JSON.parse(text) as PreviewChange)), [text])
  const debounced = useDebounced(stable, PREVIEW_DELAY_MS)
  const query = useQuery({
    queryKey: ['proxy-preview', debounced],
    queryFn: () => call<Preview>('proxyPreview', { body: { change: debounced } }),
    enabled: debounced !== null,
    retry: false,
    gcTime: 0,
  })
  const current = stable !== null && JSON.stringify(debounced) === text
  const blocked =
    current && ((query.error instanceof ApiError && query.error.status === 422) || query.data?.valid === false)
  return { query, current, blocked, error: current ? query.error : null }
}

/**
 * A routing form's preview and its Save: saving refreshes `refresh` and the proxy file list, then
 * calls onDone. `problem` is the error to show at the fields: the preview runs the same checks as
 * saving, so a bad value is flagged while typing.
 */
export function useProxyChange(
  change: PreviewChange | null,
  save: () => Promise<unknown>,
  refresh: QueryKey,
  onDone: () => void,
) {
  const queryClient = useQueryClient()
  const preview = useProxyPreview(change)
  const mutation = useMutation({
    mutationFn: save,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: refresh })
      await queryClient.invalidateQueries({ queryKey: ['proxy-files'] })
      onDone()
    },
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    mutation.mutate()
  }
  return { preview, mutation, submit, problem: mutation.error ?? preview.error }
}

/** Save (off while saving, or while the preview says the change would be refused) and Cancel. */
export function SaveButtons({
  label,
  state,
  ready = true,
  onCancel,
}: {
  label: string
  state: ReturnType<typeof useProxyChange>
  ready?: boolean
  onCancel: () => void
}) {
  return (
    <div className="button-row">
      <button
        type="submit"
        aria-busy={state.mutation.isPending}
        disabled={state.mutation.isPending || !ready || state.preview.blocked}
      >
        {label}
      </button>
      <button type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
    </div>
  )
}

/** Problems the renderer found, one per line with the file and the place in it. */
export function RenderIssues({ issues }: { issues: RenderIssue[] }) {
  return (
    <ul>
      {issues.map((i) => (
        <li key={`${i.file}:${i.path}`}>
          {i.file}: {i.path}: {i.message}
        </li>
      ))}
    </ul>
  )
}

/** The generated file(s) a change would produce, and their diff against the files on disk. */
export function PreviewPanel({ preview }: { preview: ProxyPreviewState }) {
  const { query, current } = preview
  if (!current && !query.data) return <p className="muted">The preview appears as you fill in the form.</p>
  return (
    <section className="proxy-preview" aria-labelledby="preview-title" aria-busy={query.isFetching || !current}>
      <h4 id="preview-title">Preview of the proxy configuration</h4>
      {preview.error && <ErrorNotice error={preview.error} />}
      {query.data && !query.data.valid && (
        <div role="alert" className="notice notice-error">
          This change would produce an invalid proxy file:
          <RenderIssues issues={query.data.issues} />
        </div>
      )}
      {!preview.error &&
        query.data?.files.map((f) => (
          <article key={f.path} className="preview-file">
            <header>
              <code>{f.path}</code>{' '}
              <small className={f.action === 'unchanged' ? 'badge' : 'badge badge-warn'}>{f.action}</small>
            </header>
            {f.content === null ? (
              <p>This file would be removed.</p>
            ) : (
              <YamlEditor label={`Preview of ${f.path}`} value={f.content} readOnly />
            )}
            {f.diff ? (
              <details open>
                <summary>Changes against the file on disk</summary>
                <DiffView diff={f.diff} layout="line-by-line" />
              </details>
            ) : (
              <p className="muted">Same as the file on disk.</p>
            )}
          </article>
        ))}
    </section>
  )
}

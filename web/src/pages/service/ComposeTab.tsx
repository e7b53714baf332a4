import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState, type FormEvent } from 'react'
import { useAbility } from '../../api/abilities'
import { ApiError, call, type ApiIssue } from '../../api/client'
import type { ComposeVersion, SavedVersion } from '../../api/types'
import { ConflictMerge } from '../../components/ConflictMerge'
import { ErrorNotice, formatTime, Loading, SuccessNotice } from '../../components/Notice'
import { YamlEditor } from '../../components/YamlEditor'

type Edit = { text: string; base: number }
type Validation = { valid: boolean; issues: ApiIssue[]; compose_cli?: { ran: boolean; reason?: string } }

export function ComposeTab({ serviceId }: { serviceId: string }) {
  const queryClient = useQueryClient()
  const mayWrite = useAbility('write')
  const current = useQuery({
    queryKey: ['compose', serviceId],
    queryFn: () => call<ComposeVersion>('compose', { params: { uuid: serviceId } }),
  })
  // null while the user has not typed: the editor then follows the stored version.
  const [edit, setEdit] = useState<Edit | null>(null)
  const [description, setDescription] = useState('')
  const [issues, setIssues] = useState<ApiIssue[]>([])
  const [conflict, setConflict] = useState<ComposeVersion | null>(null)
  const [saved, setSaved] = useState<number | null>(null)

  const text = edit?.text ?? current.data?.yaml ?? ''
  const base = edit?.base ?? current.data?.version ?? 1
  const dirty = edit !== null && edit.text !== current.data?.yaml

  // Leaving the page with unsaved text asks first.
  useEffect(() => {
    if (!dirty) return
    const warn = (event: BeforeUnloadEvent) => event.preventDefault()
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [dirty])

  const save = useMutation({
    mutationFn: () =>
      call<SavedVersion>('saveCompose', {
        params: { uuid: serviceId },
        body: { yaml: text, base_version: base, ...(description.trim() && { description: description.trim() }) },
      }),
    onMutate: () => {
      setSaved(null)
      setIssues([])
    },
    onSuccess: async (version) => {
      setSaved(version.version)
      setDescription('')
      setConflict(null)
      await queryClient.invalidateQueries({ predicate: (q) => q.queryKey[1] === serviceId })
      setEdit(null)
    },
    onError: async (error) => {
      if (!(error instanceof ApiError)) return
      if (error.code === 'invalid_compose') setIssues(error.issues)
      if (error.code === 'version_conflict') {
        // Keep the user's text; fetch what was saved meanwhile so they can compare.
        setConflict(await call<ComposeVersion>('compose', { params: { uuid: serviceId } }))
      }
    },
  })

  const check = useMutation({
    mutationFn: () => call<Validation>('validateCompose', { params: { uuid: serviceId }, body: { yaml: text } }),
    onSuccess: (result) => setIssues(result.issues),
  })

  function submit(event: FormEvent) {
    event.preventDefault()
    save.mutate()
  }

  if (current.isPending) return <Loading what="the compose file" />
  if (current.error) return <ErrorNotice error={current.error} />

  return (
    <form
      onSubmit={submit}
      aria-label="Compose file"
      // Ctrl/Cmd-S saves from anywhere in the form, the editor included, instead of saving the web page.
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
          e.preventDefault()
          if (mayWrite) e.currentTarget.requestSubmit()
        }
      }}
    >
      <p className="muted">
        {mayWrite ? 'Editing on top of' : 'Showing'} version {base}
        {current.data.version === base && (
          <>
            {' '}
            (by {current.data.author}, {formatTime(current.data.created_at)})
          </>
        )}
        {dirty && <strong> · unsaved changes</strong>}
      </p>
      <YamlEditor
        label="Compose file"
        readOnly={!mayWrite}
        value={text}
        onChange={(value) => {
          setEdit({ text: value, base })
          check.reset()
        }}
        issues={issues}
      />
      {issues.length > 0 && (
        <div role="alert" className="issues">
          <strong>
            {issues.length === 1 ? 'The compose file has a problem' : `The compose file has ${issues.length} problems`};
            nothing was saved.
          </strong>
          <ul>
            {issues.map((issue, i) => (
              <li key={i}>
                {issue.line !== undefined && <span className="issue-line">Line {issue.line}: </span>}
                {issue.path && <code>{issue.path}</code>} {issue.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {conflict && (
        <section className="conflict" aria-labelledby="conflict-title">
          <h2 id="conflict-title">Version {conflict.version} was saved while you were editing</h2>
          <p role="alert">
            {conflict.author} saved version {conflict.version} ({conflict.description || 'no description'}) at{' '}
            {formatTime(conflict.created_at)}. Your text is still in the editor. Left: version {conflict.version};
            right: your text.
          </p>
          <ConflictMerge theirs={conflict.yaml} mine={text} />
          <div className="button-row">
            <button
              type="button"
              onClick={() => {
                setEdit({ text, base: conflict.version })
                setConflict(null)
              }}
            >
              Keep my text on top of version {conflict.version}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setEdit(null)
                setConflict(null)
              }}
            >
              Discard my text, load version {conflict.version}
            </button>
          </div>
        </section>
      )}
      {mayWrite && (
        <label>
          Change description
          <input
            name="description"
            maxLength={500}
            placeholder="What changed and why"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </label>
      )}
      {save.error &&
        !(save.error instanceof ApiError && ['invalid_compose', 'version_conflict'].includes(save.error.code)) && (
          <ErrorNotice error={save.error} />
        )}
      <ErrorNotice error={check.error} />
      <SuccessNotice>{saved !== null && `Saved as version ${saved}.`}</SuccessNotice>
      <SuccessNotice>
        {check.data?.valid &&
          `No problems found${check.data.compose_cli?.ran ? ' (docker compose config agrees)' : ''}.`}
      </SuccessNotice>
      <div className="button-row">
        {mayWrite && (
          <button type="submit" aria-busy={save.isPending} disabled={save.isPending || conflict !== null || !dirty}>
            Save new version
          </button>
        )}
        <button
          type="button"
          className="secondary"
          onClick={() => check.mutate()}
          aria-busy={check.isPending}
          disabled={check.isPending}
        >
          Check
        </button>
      </div>
    </form>
  )
}

import { indentWithTab } from '@codemirror/commands'
import { yaml } from '@codemirror/lang-yaml'
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint'
import { Annotation, EditorState, type Text } from '@codemirror/state'
import { EditorView, keymap } from '@codemirror/view'
import { basicSetup } from 'codemirror'
import { useEffect, useRef } from 'react'
import type { ApiIssue } from '../api/client'
import { followColorScheme } from './editorTheme'

// Marks changes that come from the `value` prop, so they are not reported back as user edits.
const external = Annotation.define<boolean>()

type Props = {
  value: string
  onChange?: (value: string) => void
  /** Problems the API found; each is drawn at its line (and column when known). */
  issues?: ApiIssue[]
  readOnly?: boolean
  label: string
  id?: string
}

/** Maps API issues (1-based line and column) to CodeMirror diagnostics; an issue without a line marks line 1. */
export function issuesToDiagnostics(doc: Text, issues: ApiIssue[]): Diagnostic[] {
  return issues.map((issue) => {
    const line = doc.line(Math.min(Math.max(issue.line ?? 1, 1), doc.lines))
    const from = Math.min(line.from + Math.max((issue.column ?? 1) - 1, 0), line.to)
    const message = issue.path ? `${issue.path}: ${issue.message}` : issue.message
    // An empty range would be invisible: mark to the end of the line.
    return { from, to: Math.max(line.to, from), severity: 'error', message, source: 'Berth' }
  })
}

/** CodeMirror 6 with YAML highlighting and the API's validation issues shown inline. */
export function YamlEditor({ value, onChange, issues = [], readOnly = false, label, id }: Props) {
  const host = useRef<HTMLDivElement>(null)
  const view = useRef<EditorView | null>(null)
  const onChangeRef = useRef(onChange)
  onChangeRef.current = onChange

  useEffect(() => {
    const scheme = followColorScheme()
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          scheme.extension,
          keymap.of([indentWithTab]),
          yaml(),
          lintGutter(),
          EditorState.readOnly.of(readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.contentAttributes.of({ 'aria-label': label, ...(id && { id }) }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !update.transactions.some((t) => t.annotation(external)))
              onChangeRef.current?.(update.state.doc.toString())
          }),
        ],
      }),
    })
    view.current = editor
    const detach = scheme.attach(editor)
    return () => {
      detach()
      editor.destroy()
    }
    // The editor is created once; value and issues are pushed in by the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [readOnly])

  useEffect(() => {
    const editor = view.current
    if (editor && editor.state.doc.toString() !== value) {
      editor.dispatch({
        changes: { from: 0, to: editor.state.doc.length, insert: value },
        annotations: external.of(true),
      })
    }
  }, [value])

  useEffect(() => {
    const editor = view.current
    if (editor) editor.dispatch(setDiagnostics(editor.state, issuesToDiagnostics(editor.state.doc, issues)))
  }, [issues, value])

  return <div className="yaml-editor" ref={host} data-testid="yaml-editor" />
}

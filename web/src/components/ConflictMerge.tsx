import { yaml } from '@codemirror/lang-yaml'
import { MergeView } from '@codemirror/merge'
import { EditorState } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import { basicSetup } from 'codemirror'
import { useEffect, useRef } from 'react'
import { followColorScheme } from './editorTheme'

/** Side-by-side, read-only comparison of the stored version (left) and the user's unsaved text (right). */
export function ConflictMerge({ theirs, mine }: { theirs: string; mine: string }) {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const schemeA = followColorScheme()
    const schemeB = followColorScheme()
    const readOnly = [basicSetup, yaml(), EditorState.readOnly.of(true), EditorView.editable.of(false)]
    const view = new MergeView({
      parent: host.current!,
      a: {
        doc: theirs,
        extensions: [
          ...readOnly,
          schemeA.extension,
          EditorView.contentAttributes.of({ 'aria-label': 'Stored version' }),
        ],
      },
      b: {
        doc: mine,
        extensions: [...readOnly, schemeB.extension, EditorView.contentAttributes.of({ 'aria-label': 'Your text' })],
      },
      collapseUnchanged: { margin: 3, minSize: 6 },
    })
    const detach = [schemeA.attach(view.a), schemeB.attach(view.b)]
    return () => {
      for (const d of detach) d()
      view.destroy()
    }
  }, [theirs, mine])
  return <div className="conflict-merge" ref={host} data-testid="conflict-merge" />
}

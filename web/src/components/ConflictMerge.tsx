import { yaml } from '@codemirror/lang-yaml'
import { MergeView } from '@codemirror/merge'
import { EditorState } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import { basicSetup } from 'codemirror'
import { useEffect, useRef } from 'react'

/** Side-by-side, read-only comparison of the stored version (left) and the user's unsaved text (right). */
export function ConflictMerge({ theirs, mine }: { theirs: string; mine: string }) {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const readOnly = [basicSetup, yaml(), EditorState.readOnly.of(true), EditorView.editable.of(false)]
    const view = new MergeView({
      parent: host.current!,
      a: { doc: theirs, extensions: [...readOnly, EditorView.contentAttributes.of({ 'aria-label': 'Stored version' })] },
      b: { doc: mine, extensions: [...readOnly, EditorView.contentAttributes.of({ 'aria-label': 'Your text' })] },
      collapseUnchanged: { margin: 3, minSize: 6 },
    })
    return () => view.destroy()
  }, [theirs, mine])
  return <div className="conflict-merge" ref={host} data-testid="conflict-merge" />
}

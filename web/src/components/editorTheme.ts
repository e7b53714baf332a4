import { Compartment, type Extension } from '@codemirror/state'
import { oneDark } from '@codemirror/theme-one-dark'
import type { EditorView } from '@codemirror/view'

const dark = window.matchMedia('(prefers-color-scheme: dark)')

/** CodeMirror's default theme is light: use One Dark when the system is dark, and follow changes live. */
export function followColorScheme(): { extension: Extension; attach(view: EditorView): () => void } {
  const theme = new Compartment()
  return {
    extension: theme.of(dark.matches ? oneDark : []),
    attach(view) {
      const update = () => view.dispatch({ effects: theme.reconfigure(dark.matches ? oneDark : []) })
      dark.addEventListener('change', update)
      return () => dark.removeEventListener('change', update)
    },
  }
}

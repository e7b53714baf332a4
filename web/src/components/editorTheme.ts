import { HighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { Compartment, type Extension } from '@codemirror/state'
import { oneDark } from '@codemirror/theme-one-dark'
import { EditorView } from '@codemirror/view'
import { tags } from '@lezer/highlight'

const dark = window.matchMedia('(prefers-color-scheme: dark)')

// One Dark's keys (coral), keywords (violet), comments and line numbers (stone) fall short of the
// WCAG AA contrast of 4.5:1 on its background and active line; these lighter shades reach it.
// CodeMirror gives precedence to the extension listed first, so these come before One Dark.
const AA_COLORS = { coral: '#ef8a92', violet: '#d38fe6', stone: '#9aa3b3' }
const oneDarkAA: Extension = [
  syntaxHighlighting(
    HighlightStyle.define(
      [
        { tag: [tags.name, tags.deleted, tags.character, tags.propertyName, tags.macroName], color: AA_COLORS.coral },
        { tag: tags.keyword, color: AA_COLORS.violet },
        { tag: [tags.meta, tags.comment], color: AA_COLORS.stone },
      ],
      { themeType: 'dark' },
    ),
  ),
  EditorView.theme({ '.cm-gutters': { color: AA_COLORS.stone } }, { dark: true }),
  oneDark,
]

/** CodeMirror's default theme is light: use One Dark when the system is dark, and follow changes live. */
export function followColorScheme(): { extension: Extension; attach(view: EditorView): () => void } {
  const theme = new Compartment()
  return {
    extension: theme.of(dark.matches ? oneDarkAA : []),
    attach(view) {
      const update = () => view.dispatch({ effects: theme.reconfigure(dark.matches ? oneDarkAA : []) })
      dark.addEventListener('change', update)
      return () => dark.removeEventListener('change', update)
    },
  }
}

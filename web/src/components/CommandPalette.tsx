import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import { useNavigate } from 'react-router'
import { RESOURCE_ROUTES } from '../api/deployments'
import { useDashboard } from '../api/queries'

type Entry = { label: string; hint: string; to: string }

/** Berth's keyboard shortcuts, listed in the palette's footer so they are discoverable. */
const SHORTCUTS = [
  ['Ctrl K / ⌘ K', 'open this palette'],
  ['↑ ↓', 'choose'],
  ['Enter', 'go'],
  ['Esc', 'close'],
  ['Ctrl S', 'save the compose file'],
  ['Alt Shift D', "deploy the page's service or database"],
]

/**
 * Ctrl/Cmd-K: jump to any page, project, service or database by typing part of its name.
 * Opened from anywhere once signed in; the list comes from the dashboard's overview.
 */
export function CommandPalette({ pages }: { pages: { to: string; label: string }[] }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const navigate = useNavigate()
  const [open, setOpen] = useState(false)
  const [query, setQuery] = useState('')
  const [at, setAt] = useState(0)
  const board = useDashboard({ enabled: open })

  useEffect(() => {
    function onKey(event: globalThis.KeyboardEvent) {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault()
        setQuery('')
        setAt(0)
        setOpen(true)
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
  useEffect(() => {
    const element = dialog.current
    if (open && element && !element.open) element.showModal()
    if (!open && element?.open) element.close()
  }, [open])

  const entries = useMemo<Entry[]>(() => {
    const all: Entry[] = pages.map((p) => ({ label: p.label, hint: 'page', to: p.to }))
    for (const project of board.data?.projects ?? []) {
      all.push({ label: project.name, hint: 'project', to: `/projects/${project.uuid}` })
      for (const r of project.resources)
        all.push({ label: `${project.name} / ${r.name}`, hint: r.type, to: RESOURCE_ROUTES[r.type].page(r.uuid) })
    }
    const needle = query.trim().toLowerCase()
    return needle ? all.filter((e) => e.label.toLowerCase().includes(needle)) : all
  }, [pages, board.data, query])
  const chosen = Math.min(at, Math.max(entries.length - 1, 0))

  function go(entry: Entry | undefined) {
    if (!entry) return
    setOpen(false)
    navigate(entry.to)
  }
  function onInputKey(event: KeyboardEvent) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      const step = event.key === 'ArrowDown' ? 1 : -1
      setAt((chosen + step + entries.length) % Math.max(entries.length, 1))
    } else if (event.key === 'Enter') {
      event.preventDefault()
      go(entries[chosen])
    }
  }

  return (
    <dialog
      ref={dialog}
      aria-label="Go to"
      className="command-palette"
      // The close event comes a task after close(); Chromium runs input first, so a Ctrl-K pressed
      // just after choosing an entry reopens the dialog before that event, which must not shut it again.
      onClose={() => {
        if (!dialog.current?.open) setOpen(false)
      }}
    >
      {open && (
        <article>
          <input
            type="search"
            role="combobox"
            aria-label="Go to a page, project, service or database"
            aria-controls="palette-options"
            aria-expanded="true"
            aria-activedescendant={entries.length > 0 ? `palette-option-${chosen}` : undefined}
            placeholder="Go to…"
            autoFocus
            value={query}
            onChange={(e) => {
              setQuery(e.target.value)
              setAt(0)
            }}
            onKeyDown={onInputKey}
          />
          <ul id="palette-options" role="listbox" aria-label="Matches">
            {entries.slice(0, 50).map((e, i) => (
              <li
                key={`${e.hint}-${e.to}`}
                id={`palette-option-${i}`}
                role="option"
                aria-selected={i === chosen}
                onClick={() => go(e)}
                onKeyDown={() => undefined}
              >
                {e.label} <span className="muted">{e.hint}</span>
              </li>
            ))}
          </ul>
          {entries.length === 0 && <p className="muted">Nothing matches.</p>}
          <footer className="muted palette-keys" aria-label="Keyboard shortcuts">
            {SHORTCUTS.map(([keys, what]) => (
              <span key={keys}>
                <kbd>{keys}</kbd> {what}
              </span>
            ))}
          </footer>
        </article>
      )}
    </dialog>
  )
}

import { useEffect, useId, useRef } from 'react'

type Props = {
  open: boolean
  title: string
  children: React.ReactNode
  confirmLabel: string
  onConfirm: () => void
  onCancel: () => void
}

/** The native <dialog> element as a modal: it traps focus, closes on Escape and restores focus. */
export function ConfirmDialog({ open, title, children, confirmLabel, onConfirm, onCancel }: Props) {
  const dialog = useRef<HTMLDialogElement>(null)
  // A page may hold several dialogs (one per card): each needs its own title id.
  const titleId = useId()
  useEffect(() => {
    const element = dialog.current
    if (!element) return
    if (open && !element.open) element.showModal()
    if (!open && element.open) element.close()
  }, [open])
  return (
    <dialog ref={dialog} aria-labelledby={titleId} onCancel={onCancel} onClose={() => open && onCancel()}>
      <article>
        <h2 id={titleId}>{title}</h2>
        {children}
        <footer>
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" onClick={onConfirm} autoFocus>
            {confirmLabel}
          </button>
        </footer>
      </article>
    </dialog>
  )
}

import { useState } from 'react'

type Props = {
  /** The path the API answered (`/invite/...`); shown as a full address of this Berth. */
  path: string
  title: string
  children?: React.ReactNode
  onDone: () => void
}

/** A link the API shows once (an invitation, a password reset): the full address, a copy button, and Done. */
export function OneTimeLink({ path, title, children, onDone }: Props) {
  const url = `${window.location.origin}${path}`
  const [copied, setCopied] = useState(false)
  async function copy() {
    // The clipboard needs a secure context; over plain HTTP the link stays selectable on screen.
    if (!navigator.clipboard) return
    await navigator.clipboard.writeText(url)
    setCopied(true)
  }
  return (
    <article className="token-secret" role="status" aria-label={title}>
      <p>
        <strong>{title}: copy it now, it is not shown again.</strong>
      </p>
      {children}
      <pre>
        <code data-testid="one-time-link">{url}</code>
      </pre>
      <div className="button-row">
        <button type="button" className="outline" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy link'}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Done
        </button>
      </div>
    </article>
  )
}

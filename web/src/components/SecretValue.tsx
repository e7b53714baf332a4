import { useState } from 'react'

export const MASK = '••••••••'

type Props = {
  /** What the secret belongs to, for button names ("Reveal DATABASE_URL"). */
  name: string
  value: string
  /** False when the API sent a mask because the caller lacks read:sensitive. */
  available: boolean
  /** The text to show while hidden (defaults to a plain mask). */
  hidden?: string
  copy?: boolean
  testId?: string
}

/** A secret shown masked, with Reveal (and Copy) when the caller may see it. */
export function SecretValue({ name, value, available, hidden = MASK, copy = false, testId = `secret-${name}` }: Props) {
  const [revealed, setRevealed] = useState(false)
  const [copied, setCopied] = useState(false)
  if (!available) return <code title="Revealing secrets needs the read:sensitive ability">{hidden}</code>
  return (
    <span className="secret-value">
      <code data-testid={testId}>{revealed ? value : hidden}</code>{' '}
      <button type="button" className="outline small" aria-pressed={revealed} onClick={() => setRevealed(!revealed)}>
        {revealed ? 'Hide' : 'Reveal'} <span className="visually-hidden">{name}</span>
      </button>
      {copy && (
        <>
          {' '}
          <button
            type="button"
            className="outline secondary small"
            onClick={() => void navigator.clipboard?.writeText(value).then(() => setCopied(true))}
          >
            {copied ? 'Copied' : 'Copy'} <span className="visually-hidden">{name}</span>
          </button>
        </>
      )}
    </span>
  )
}

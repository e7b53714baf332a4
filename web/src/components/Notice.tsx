import { ApiError } from '../api/client'

/** An error from a failed request or mutation, announced to screen readers. */
export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error)
  return (
    <p role="alert" className="notice notice-error">
      {message}
    </p>
  )
}

export function SuccessNotice({ children }: { children: React.ReactNode }) {
  if (!children) return null
  return (
    <p role="status" className="notice notice-ok">
      {children}
    </p>
  )
}

export function Loading({ what }: { what: string }) {
  return <p aria-busy="true">Loading {what}…</p>
}

/** "512 B", "1.5 KiB", "2.0 GiB": binary units, one decimal. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = n / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

/** A disk's free space beside its size, as the server pages show it. */
export function formatDisk(disk: { free_bytes: number; total_bytes: number }): string {
  return `${formatBytes(disk.free_bytes)} free of ${formatBytes(disk.total_bytes)}`
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

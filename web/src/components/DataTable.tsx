import type { ReactNode } from 'react'
import '../admin.css'

export type Column<T> = { header: string; cell: (row: T) => ReactNode }

type Props<T> = {
  rows: T[]
  rowKey: (row: T) => string
  columns: Column<T>[]
  /** Buttons of one row, in a last column whose header only screen readers hear. */
  actions?: (row: T) => ReactNode
  /** Shown instead of an empty table. */
  empty: ReactNode
  label?: string
}

/** The list tables of every page: horizontally scrollable on a phone, with an optional actions column. */
export function DataTable<T>({ rows, rowKey, columns, actions, empty, label }: Props<T>) {
  if (rows.length === 0) return <p>{empty}</p>
  return (
    <div className="table-scroll">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c.header}>
                {c.header}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.header}>{c.cell(row)}</td>
              ))}
              {actions && <td className="row-actions">{actions(row)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

type RowButtonProps = { label: string; target: string; onClick: () => void; secondary?: boolean; busy?: boolean }

/** A small row button whose accessible name says which row it acts on ("Delete web"). */
export function RowButton({ label, target, onClick, secondary = false, busy = false }: RowButtonProps) {
  return (
    <button
      type="button"
      className={secondary ? 'outline secondary small' : 'outline small'}
      onClick={onClick}
      aria-busy={busy || undefined}
      disabled={busy}
    >
      {label} <span className="visually-hidden">{target}</span>
    </button>
  )
}

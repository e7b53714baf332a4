/** Previous / next over a counted list. */
export function Pager({
  page,
  pageSize,
  count,
  onPage,
}: {
  page: number
  pageSize: number
  count: number
  onPage: (page: number) => void
}) {
  const pages = Math.ceil(count / pageSize)
  if (pages <= 1) return null
  return (
    <nav aria-label="Pages" className="button-row pager">
      <button type="button" className="outline secondary small" disabled={page === 0} onClick={() => onPage(page - 1)}>
        Newer
      </button>
      <span className="muted">
        Page {page + 1} of {pages}
      </span>
      <button
        type="button"
        className="outline secondary small"
        disabled={page + 1 >= pages}
        onClick={() => onPage(page + 1)}
      >
        Older
      </button>
    </nav>
  )
}

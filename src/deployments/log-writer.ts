import type { Kysely } from 'kysely'
import { preparedQuery } from '../db/prepared.js'
import type { DB, LogStream } from '../db/schema.js'

export const MAX_LINE_CHARS = 16 * 1024
export const MAX_LOG_CHARS = 10 * 1024 * 1024
const FLUSH_INTERVAL_MS = 100
const FLUSH_LINES = 2000
// Multi-row inserts compiled once (see db/prepared.ts): building a Kysely query per batch costs
// more than SQLite takes to store it. 6 columns x 100 rows stays far below SQLite's bound-value
// limit; a batch's tail goes in tens, then ones, so a batch of up to 2,000 lines takes at most 37 statements.
const COLUMNS = 6
const INSERT_SIZES = [100, 10, 1]
type Cell = string | number
function insertOf(rows: number) {
  return preparedQuery((db, ...v: Cell[]) =>
    db.insertInto('deployment_logs').values(
      Array.from({ length: rows }, (_, r) => ({
        deployment_id: v[r * COLUMNS] as string,
        seq: v[r * COLUMNS + 1] as number,
        ts: v[r * COLUMNS + 2] as string,
        stream: v[r * COLUMNS + 3] as LogStream,
        output: v[r * COLUMNS + 4] as string,
        hidden: v[r * COLUMNS + 5] as number,
      })),
    ),
  )
}
const inserts = INSERT_SIZES.map((rows) => ({ cells: rows * COLUMNS, run: insertOf(rows) }))

export type LogWriterOptions = {
  db: Kysely<DB>
  deploymentId: string
  /** The sequence number the next line gets (1 for a new deployment). */
  firstSeq: number
  redact: (line: string) => string
  /** Called after each batch has committed, with the last stored sequence number. */
  onFlushed?: (lastSeq: number) => void
  maxLineChars?: number
  maxLogChars?: number
}

export type LogWriter = ReturnType<typeof createLogWriter>

/** Cuts an over-long line, saying how much was cut. */
export function truncateLine(line: string, max: number): string {
  return line.length <= max ? line : `${line.slice(0, max)} … [line truncated: ${line.length - max} more characters]`
}

/**
 * Buffers a deployment's output lines and appends them as rows, one transaction per batch,
 * flushed every 100 ms or every 2000 lines. Lines are redacted before anything else (so a
 * truncation can never cut a secret in half and leave its prefix). After the total cap one
 * marker line is stored and further process output is dropped; Berth's own lines (stream
 * "berth": commands, outcome) are always kept so every log ends with its outcome.
 */
export function createLogWriter(opts: LogWriterOptions) {
  const maxLine = opts.maxLineChars ?? MAX_LINE_CHARS
  const maxTotal = opts.maxLogChars ?? MAX_LOG_CHARS
  let seq = opts.firstSeq
  let total = 0
  let capped = false
  // Rows as a flat list of cells, in column order: no object per line, and ready to bind.
  let buffer: Cell[] = []
  let lastMs = -1
  let lastTs = ''
  let timer: NodeJS.Timeout | undefined
  let flushing: Promise<void> = Promise.resolve()
  let failure: unknown

  // Formatting a date costs more than storing the line; lines of one millisecond share the text.
  function timestamp(): string {
    const ms = Date.now()
    if (ms !== lastMs) {
      lastMs = ms
      lastTs = new Date(ms).toISOString()
    }
    return lastTs
  }

  function push(stream: LogStream, output: string, hidden: boolean) {
    buffer.push(opts.deploymentId, seq++, timestamp(), stream, output, hidden ? 1 : 0)
    if (buffer.length >= FLUSH_LINES * COLUMNS) void flush()
    else timer ??= setTimeout(() => void flush(), FLUSH_INTERVAL_MS)
  }

  function append(stream: LogStream, line: string, hidden = false): void {
    if (capped && stream !== 'berth') return
    const output = truncateLine(opts.redact(line), maxLine)
    if (stream !== 'berth' && total + output.length > maxTotal) {
      capped = true
      push(
        'berth',
        `[log limit reached: this deployment's output exceeded ${maxTotal >= 1024 * 1024 ? `${Math.round(maxTotal / 1024 / 1024)} MiB` : `${maxTotal} characters`}; further output is not stored]`,
        false,
      )
      return
    }
    total += output.length
    push(stream, output, hidden)
  }

  async function writeBatch(cells: Cell[]) {
    await opts.db.transaction().execute(async (trx) => {
      let at = 0
      for (const insert of inserts) {
        for (; at + insert.cells <= cells.length; at += insert.cells)
          await insert.run(trx, ...cells.slice(at, at + insert.cells))
      }
    })
    opts.onFlushed?.(cells[cells.length - COLUMNS + 1] as number)
  }

  /** Writes what is buffered; batches are written in order, one at a time. */
  function flush(): Promise<void> {
    if (timer) clearTimeout(timer)
    timer = undefined
    const cells = buffer
    buffer = []
    if (cells.length > 0) {
      flushing = flushing
        .then(() => writeBatch(cells))
        .catch((error: unknown) => {
          failure ??= error
        })
    }
    return flushing
  }

  /** Flushes everything; throws if any batch failed to store (a deployment must not claim a log it lost). */
  async function close(): Promise<void> {
    await flush()
    if (failure) throw new Error('storing deployment log lines failed', { cause: failure })
  }

  return { append, flush, close, nextSeq: () => seq }
}

import type { Kysely } from 'kysely'
import type { DB, LogStream } from '../db/schema.js'
import { insertLogBatch, LOG_COLUMNS, type LogCell } from './deployments.repo.js'

export const MAX_LINE_CHARS = 16 * 1024
export const MAX_LOG_CHARS = 10 * 1024 * 1024
const FLUSH_INTERVAL_MS = 100
const FLUSH_LINES = 2000
// Batches are stored by deployments.repo.ts (insertLogBatch: multi-row inserts compiled once), the
// one home of deployment_logs; sequence numbers continue from its nextLogSeq.

export type LogWriterOptions = {
  db: Kysely<DB>
  deploymentId: string
  /** The sequence number the next line gets (1 for a new deployment). */
  firstSeq: number
  redact: (line: string) => string
  /** Stores a batch (LOG_COLUMNS cells per row, the owner's id first); deployment_logs unless given
   * (database backup runs keep their lines in their own table with the same columns). */
  insert?: (db: Kysely<DB>, cells: LogCell[]) => Promise<void>
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
  let buffer: LogCell[] = []
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
    if (buffer.length >= FLUSH_LINES * LOG_COLUMNS) void flush()
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

  async function writeBatch(cells: LogCell[]) {
    await (opts.insert ?? insertLogBatch)(opts.db, cells)
    opts.onFlushed?.(cells[cells.length - LOG_COLUMNS + 1] as number)
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

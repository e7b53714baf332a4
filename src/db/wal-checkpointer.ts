import type SqliteDatabase from 'better-sqlite3'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

const CHECKPOINT_INTERVAL_MS = 1000
/** SQLite's own default, restored when the thread fails or stops. */
const AUTOCHECKPOINT_PAGES = 1000

/**
 * The thread's whole program, plain JavaScript (run the same from source and compiled). PASSIVE
 * copies what no reader still needs and never waits, so neither this thread nor a writer blocks on
 * the other. A checkpoint that fails (a full disk) is reported once and tried again each second; a
 * connection that cannot open ends the thread. Errors cross as plain text: the driver's own error
 * class loses its message on the way between threads.
 */
const THREAD_PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads')
const SqliteDatabase = require(workerData.driver)
const describe = (error) => (error.code ? error.code + ': ' : '') + error.message
let sqlite
try {
  sqlite = new SqliteDatabase(workerData.path, { fileMustExist: true })
} catch (error) {
  throw new Error(describe(error))
}
let failing = false
const timer = setInterval(() => {
  try {
    sqlite.pragma('wal_checkpoint(PASSIVE)')
    if (failing) parentPort.postMessage({ recovered: true })
    failing = false
  } catch (error) {
    if (!failing) parentPort.postMessage({ failed: describe(error) })
    failing = true
  }
}, workerData.intervalMs)
parentPort.on('message', () => {
  clearInterval(timer)
  sqlite.close()
  parentPort.close()
})
`

export type WalCheckpointer = { stop(): Promise<void> }

/**
 * Moves the serving process's WAL checkpoints off its event loop. By default SQLite checkpoints in
 * the commit that grows the WAL past 1,000 pages, on the committing connection: copying pages and
 * an fsync, all on the event loop. With reader processes (BERTH_HTTP_PROCESSES > 1) always reading,
 * a checkpoint rarely completes, so the WAL stays over the mark and nearly every commit pays for
 * another attempt. A thread with its own connection checkpoints once a second instead. A thread
 * that ends (its connection did not open) hands checkpoints back to commits. `report` hears of the
 * first failure of a run of them, and of the recovery.
 */
export function startWalCheckpointer(
  sqlite: SqliteDatabase.Database,
  path: string,
  report: (event: { error: Error } | { recovered: true }) => void,
): WalCheckpointer {
  sqlite.pragma('wal_autocheckpoint = 0')
  const worker = new Worker(THREAD_PROGRAM, {
    eval: true,
    workerData: {
      path,
      intervalMs: CHECKPOINT_INTERVAL_MS,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
    },
  })
  const restoreOnCommit = () => {
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`)
  }
  worker.on('message', (message: { failed?: string }) =>
    report(message.failed !== undefined ? { error: new Error(message.failed) } : { recovered: true }),
  )
  worker.on('error', (error) => {
    restoreOnCommit()
    report({ error })
  })
  const exited = new Promise((resolve) => worker.once('exit', resolve))
  return {
    async stop() {
      worker.postMessage('stop')
      await exited
      restoreOnCommit()
    },
  }
}

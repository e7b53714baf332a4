/** Splits a byte stream into lines (\n, \r\n or a lone \r as compose progress uses), holding the partial tail. */
export function createLineSplitter(onLine: (line: string) => void, maxPending = 1024 * 1024) {
  let pending = ''
  return {
    push(chunk: string) {
      pending += chunk
      const parts = pending.split(/\r\n|\n|\r/)
      pending = parts.pop() ?? ''
      for (const part of parts) onLine(part)
      // A "line" that never ends is still stored, in pieces, rather than held in memory forever.
      while (pending.length > maxPending) {
        onLine(pending.slice(0, maxPending))
        pending = pending.slice(maxPending)
      }
    },
    end() {
      if (pending !== '') onLine(pending)
      pending = ''
    },
  }
}

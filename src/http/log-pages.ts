/**
 * A read of a stored log (a deployment's, a backup run's): its visible lines after a sequence
 * number, the last sequence number read (hidden lines count) and the status of what writes it.
 */
export type LogRead = (
  teamId: string,
  logId: string,
  after: number,
  limit: number,
) => Promise<{ status: string; lines: { seq: number }[]; next_after: number }>

/** What a follower gets: the events text of the lines after its position, and where it now stands. */
export type LogSlice = {
  text: string
  nextAfter: number
  /** The writer's status when nothing new was found (fresh from storage), else undefined. */
  status: string | undefined
}

/** A line as a Server-Sent Event: its id is its sequence number, so a reconnecting client resumes with Last-Event-ID. */
const event = (line: { seq: number }) => `id: ${line.seq}\nevent: line\ndata: ${JSON.stringify(line)}\n\n`

/**
 * One page of a log as event text: the visible lines with sequence numbers in (first, first + size],
 * the offset where each line's event ends, and the last stored sequence number read so far (hidden
 * lines count, so it may pass the last visible one). Lines are append-only, so a page only grows.
 */
type Page = {
  text: string
  seqs: number[]
  ends: number[]
  through: number
  /** The status the last read found (read before its lines, so an ended one means every line is in). */
  status?: string
  growing?: Promise<void>
}

/**
 * The log pages the followers of this process share: ten clients following one log read
 * and serialize each line once, not ten times (bench:log-stream). Pages end at multiples of
 * `size`, so followers that started at different lines meet on the same pages; a page is
 * extended by one storage read however many followers wait for it. The newest `kept` pages stay.
 */
export function createLogPages({ read, size = 1000, kept = 64 }: { read: LogRead; size?: number; kept?: number }) {
  const pages = new Map<string, Page>()

  function pageOf(logId: string, number: number): Page {
    const key = `${logId}:${number}`
    const page = pages.get(key) ?? { text: '', seqs: [], ends: [], through: number * size }
    pages.delete(key) // re-inserted as the newest
    pages.set(key, page)
    if (pages.size > kept) pages.delete(pages.keys().next().value!)
    return page
  }

  /** Reads the lines after `through` up to the page's end and appends them; one read at a time. */
  async function grow(page: Page, teamId: string, logId: string, end: number): Promise<void> {
    page.growing ??= read(teamId, logId, page.through, end - page.through)
      .then((result) => {
        page.status = result.status
        for (const line of result.lines) {
          page.text += event(line)
          page.seqs.push(line.seq)
          page.ends.push(page.text.length)
        }
        page.through = Math.max(page.through, result.next_after)
      })
      .finally(() => {
        page.growing = undefined
      })
    await page.growing
  }

  /** The lines after `after` (up to the end of its page) as event text, from the shared page. */
  async function after(teamId: string, logId: string, after: number): Promise<LogSlice> {
    const number = Math.floor(after / size)
    const end = (number + 1) * size
    const page = pageOf(logId, number)
    // A follower ahead of what the page holds (it resumed with Last-Event-ID) reads for itself.
    if (page.through < after) return readAlone(teamId, logId, after, end)
    if (page.through === after) {
      await grow(page, teamId, logId, end)
      if (page.through === after) return { text: '', nextAfter: after, status: page.status }
    }
    const first = firstAfter(page.seqs, after)
    return {
      text: first === 0 ? page.text : page.text.slice(page.ends[first - 1]),
      nextAfter: page.through,
      status: undefined,
    }
  }

  async function readAlone(teamId: string, logId: string, after: number, end: number): Promise<LogSlice> {
    const result = await read(teamId, logId, after, end - after)
    const moved = result.next_after !== after
    return {
      text: result.lines.map(event).join(''),
      nextAfter: result.next_after,
      status: moved ? undefined : result.status,
    }
  }

  return { after }
}

/** The index of the first sequence number greater than `after` (binary search: seqs ascend). */
function firstAfter(seqs: number[], after: number): number {
  let low = 0
  let high = seqs.length
  while (low < high) {
    const middle = (low + high) >> 1
    if (seqs[middle]! <= after) low = middle + 1
    else high = middle
  }
  return low
}

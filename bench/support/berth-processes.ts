import { readFileSync } from 'node:fs'

/** A `berth serve` process and its children, from /proc: its readers (BERTH_HTTP_PROCESSES > 1), a docker command it runs. */
export function berthPids(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()
  return [pid, ...(children ? children.split(' ').map(Number) : [])]
}

/** Their resident memory together, in MiB. */
export function berthRssMiB(pid: number): number {
  let kib = 0
  // A child that has just exited (a zombie) holds no memory and shows no VmRSS line.
  for (const each of berthPids(pid))
    kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${each}/status`, 'utf8'))?.[1] ?? 0)
  return Math.round(kib / 1024)
}

import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { assertContainerId, type DockerHost } from '../servers/docker-host.js'
import type { ContainerSummary } from './resource-runtime.js'

/** One sample of one container: what `docker stats` reads from the engine's stats stream. */
export type ContainerStats = {
  name: string
  cpu_percent: number
  memory_bytes: number
  memory_limit_bytes: number
  memory_percent: number
  net_rx_bytes: number
  net_tx_bytes: number
}

const UNITS: Record<string, number> = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
}

/** "12.5MiB" → bytes (0 for what it cannot read, such as "--" of a stopped container). */
export function bytesOf(text: string): number {
  const m = /^([\d.]+)\s*([A-Za-z]+)$/.exec(text.trim())
  return m ? Math.round(Number(m[1]) * (UNITS[m[2]!] ?? 0)) : 0
}

/** One line of `docker stats --format '{{json .}}'`, which carries terminal escape codes around the JSON. */
export function parseStatsLine(line: string): ContainerStats | undefined {
  const start = line.indexOf('{')
  if (start < 0) return undefined
  const json = line.slice(start, line.lastIndexOf('}') + 1)
  const s = JSON.parse(json) as { Name: string; CPUPerc: string; MemUsage: string; MemPerc: string; NetIO: string }
  const [used = '', limit = ''] = s.MemUsage.split('/')
  const [rx = '', tx = ''] = s.NetIO.split('/')
  return {
    name: s.Name,
    cpu_percent: Number.parseFloat(s.CPUPerc) || 0,
    memory_bytes: bytesOf(used),
    memory_limit_bytes: bytesOf(limit),
    memory_percent: Number.parseFloat(s.MemPerc) || 0,
    net_rx_bytes: bytesOf(rx),
    net_tx_bytes: bytesOf(tx),
  }
}

/**
 * Follows the engine's stats stream of some containers (one `docker stats` process, which holds the
 * stream open, rather than a `--no-stream` run per request) and calls back with each sample.
 */
export function followStats(
  host: DockerHost,
  containers: ContainerSummary[],
  onSample: (sample: ContainerStats) => void,
): ChildProcess {
  for (const c of containers) assertContainerId(c.id)
  const child = host.follow(['stats', '--format', '{{json .}}', ...containers.map((c) => c.id)])
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const sample = parseStatsLine(line)
    if (sample) onSample(sample)
  })
  return child
}

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseRemoteStats, remoteHostStats } from './host-stats.js'

describe("a remote server's disk and load, as df -P and /proc/loadavg print them", () => {
  it('reads the data line of df (KiB blocks), the load averages and the CPU count', () => {
    const out = [
      'Filesystem     1024-blocks     Used Available Capacity Mounted on',
      '/dev/mapper/vg-root 41152736 30000000  9039032      77% /var/lib/docker',
      '@load',
      '0.52 0.40 0.31 2/345 6789',
      '4',
      '',
    ].join('\n')
    assert.deepEqual(parseRemoteStats(out), {
      disk: { total_bytes: 41152736 * 1024, free_bytes: 9039032 * 1024 },
      load: { one: 0.52, five: 0.4, fifteen: 0.31, cpus: 4 },
    })
  })

  it('is unknown for what did not answer: no df line (a refused directory), no /proc', () => {
    assert.deepEqual(parseRemoteStats('@load\n'), { disk: null, load: null })
    assert.deepEqual(parseRemoteStats(''), { disk: null, load: null })
  })

  it("runs df and /proc/loadavg through ssh, given the engine's ssh:// URL; a path needing quotes is not sent", async () => {
    const calls: string[][] = []
    const ssh = async (args: string[]) => {
      calls.push(args)
      return { code: 0, stdout: '@load\n', stderr: '' }
    }
    await remoteHostStats(ssh, 'ssh://deploy@host.example:2222', '/var/lib/docker')
    await remoteHostStats(ssh, 'ssh://deploy@host.example', '/var/lib/docker; rm -rf /')
    assert.deepEqual(calls, [
      [
        '--',
        'ssh://deploy@host.example:2222',
        'LC_ALL=C df -P -k /var/lib/docker; echo @load; cat /proc/loadavg; getconf _NPROCESSORS_ONLN',
      ],
      ['--', 'ssh://deploy@host.example', 'true; echo @load; cat /proc/loadavg; getconf _NPROCESSORS_ONLN'],
    ])
  })
})

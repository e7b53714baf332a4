import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { prepareSshTransport } from './ssh-transport.js'

const KEY_A = '-----BEGIN OPENSSH PRIVATE KEY-----\nkey-a\n-----END OPENSSH PRIVATE KEY-----\n'
const KEY_B = '-----BEGIN OPENSSH PRIVATE KEY-----\nkey-b\n-----END OPENSSH PRIVATE KEY-----\n'

describe('the ssh transport files of a server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-ssh-transport-'))
  after(() => rmSync(dataDir, { recursive: true, force: true }))

  it('keeps files that already hold the content, and replaces a changed key with a new private file', () => {
    // Every docker command of the server prepares the transport, several at once: a wrapper
    // rewritten in place while another command execs it can fail that exec ("Text file busy").
    const { dir } = prepareSshTransport(dataDir, 'srv-1', KEY_A)
    const files = [join(dir, 'bin', 'ssh'), join(dir, 'id_key'), join(dir, 'ssh_config')]
    const past = new Date('2020-01-01T00:00:00Z')
    for (const f of files) utimesSync(f, past, past)
    prepareSshTransport(dataDir, 'srv-1', KEY_A)
    for (const f of files) assert.equal(statSync(f).mtime.getTime(), past.getTime(), `${f} is left as it was`)
    const wrapper = statSync(join(dir, 'bin', 'ssh')).ino
    prepareSshTransport(dataDir, 'srv-1', KEY_B)
    assert.equal(readFileSync(join(dir, 'id_key'), 'utf8'), KEY_B)
    assert.equal(statSync(join(dir, 'id_key')).mode & 0o777, 0o600)
    assert.equal(statSync(join(dir, 'bin', 'ssh')).mode & 0o777, 0o700)
    const key = statSync(join(dir, 'id_key'))
    assert.notEqual(key.mtime.getTime(), past.getTime(), 'the changed key was written')
    assert.equal(statSync(join(dir, 'bin', 'ssh')).ino, wrapper, 'the unchanged wrapper stayed')
    assert.deepEqual(readdirSync(dir).sort(), ['bin', 'id_key', 'ssh_config'], 'no temporary file is left')
  })
})

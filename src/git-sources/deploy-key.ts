import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A new ed25519 key pair in OpenSSH's formats (what `ssh` and Git hosts accept), made by ssh-keygen. */
export async function generateDeployKey(comment: string): Promise<{ publicKey: string; privateKey: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-key-'))
  try {
    const file = join(dir, 'id')
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file])
    const [privateKey, publicKey] = await Promise.all([readFile(file, 'utf8'), readFile(`${file}.pub`, 'utf8')])
    return { publicKey: publicKey.trim(), privateKey }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

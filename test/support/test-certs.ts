import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A test CA and a certificate it signed, as PEM files in `dir` (named after `name`): for real TLS
 * peers the tests run (an ACME front, an SMTP server, a site whose certificate is about to expire).
 */
export function issueTestCertificate(
  dir: string,
  { name, altNames, days }: { name: string; altNames: string[]; days: number },
): { ca: string; cert: string; key: string } {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  const ca = `${name}-ca`
  const caSubject = `/CN=Berth test CA ${name}`
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${ca}.key`,
    '-out',
    `${ca}.pem`,
    '-days',
    '30',
    '-subj',
    caSubject,
  ])
  const subject = `/CN=${altNames[0]!.replace(/^(DNS|IP):/, '')}`
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject])
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${altNames.join(',')}\n`)
  openssl([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    String(days),
    '-extfile',
    `${name}.ext`,
  ])
  return { ca: join(dir, `${ca}.pem`), cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) }
}

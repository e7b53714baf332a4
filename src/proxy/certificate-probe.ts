import { connect } from 'node:tls'

/** Where to reach a domain's TLS endpoint: the domain itself on 443 unless told otherwise. */
export type ConnectTo = (domain: string) => { host: string; port: number }

export const CONNECT_TO_DOMAIN: ConnectTo = (domain) => ({ host: domain, port: 443 })

/**
 * The expiry of the certificate a domain serves, read from a TLS handshake with its name (SNI).
 * The certificate is not verified: an expired or self-signed one must still tell its date.
 */
export function certificateExpiry(domain: string, connectTo: ConnectTo, timeoutMs = 10_000): Promise<Date> {
  const { host, port } = connectTo(domain)
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername: domain, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const cert = socket.getPeerCertificate()
      socket.end()
      if (!cert?.valid_to) reject(new Error(`${domain} presented no certificate`))
      else resolve(new Date(cert.valid_to))
    })
    socket.on('timeout', () => socket.destroy(new Error(`TLS handshake with ${domain} timed out`)))
    socket.on('error', reject)
  })
}

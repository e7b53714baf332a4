import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export type ReceivedMail = { from: string; to: string[]; raw: string; secure: boolean; user: string | undefined }

/**
 * A real SMTP server (smtp-server) for notification tests: TLS from the start (`implicitTls`) or
 * STARTTLS on a plain connection, with the test's certificate; it accepts only `user`/`password`
 * and, as real servers do, only over TLS.
 */
export async function startSmtpReceiver(options: {
  implicitTls: boolean
  cert: string
  key: string
  user: string
  password: string
}) {
  const mails: ReceivedMail[] = []
  const server = new SMTPServer({
    secure: options.implicitTls,
    key: readFileSync(options.key),
    cert: readFileSync(options.cert),
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password)
        return callback(null, { user: auth.username })
      return callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user as string | undefined,
        })
        callback()
      })
    },
  })
  // A client that gives up mid-handshake (e.g. refusing the certificate) is an error of that
  // connection, recorded for the test to look at, not a crash of the receiver.
  const errors: Error[] = []
  server.on('error', (error) => errors.push(error))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return { port, mails, errors, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

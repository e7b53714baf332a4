// ws ships no type declarations; this is the part of its client the tests use.
declare module 'ws' {
  import type { IncomingMessage } from 'node:http'
  export default class WebSocket {
    constructor(url: string, options?: { headers?: Record<string, string> })
    readonly readyState: number
    send(data: string): void
    close(): void
    on(event: 'open', listener: () => void): this
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this
    on(event: 'close', listener: (code: number, reason: Buffer) => void): this
    on(event: 'error', listener: (error: Error) => void): this
    on(event: 'unexpected-response', listener: (request: unknown, response: IncomingMessage) => void): this
  }
}

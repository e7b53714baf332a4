export type PostgresServer = { url: string; stop(): void; pause(): void; resume(): void }
export function startPostgres(): Promise<PostgresServer | { error: string; url?: undefined }>

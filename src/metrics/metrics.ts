import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export type Metrics = ReturnType<typeof createMetrics>

/**
 * One registry per Berth instance (not prom-client's global one), so several instances in one
 * process (tests) never mix figures. Capabilities add their own metrics to `registry`.
 */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'berth_process_' })
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'berth_http_request_duration_seconds',
      help: 'HTTP request durations by method, route and status code',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []) {
      return new Counter({ name, help, labelNames, registers: [registry] })
    },
    gauge<L extends string>(
      name: string,
      help: string,
      collect?: (g: Gauge<L>) => void | Promise<void>,
      labelNames: readonly L[] = [],
    ) {
      return new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [registry],
        ...(collect && {
          collect() {
            return collect(this)
          },
        }),
      })
    },
  }
}

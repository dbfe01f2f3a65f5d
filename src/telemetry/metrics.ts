/**
 * The Prometheus registry of one running service. Each app gets its own registry (tests build many apps in one
 * process); components that hold counters of their own (session store, L1 cache) are read at scrape time
 * through `addCollector`, so they need not know prom-client.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  httpRequestsInFlight: Gauge;
  /** Registers a gauge whose value is read from `read()` each time /metrics is scraped. */
  addGauge(name: string, help: string, read: () => number | Promise<number>): void;
  /** Registers a monotonically increasing value read at scrape time (exposed as a counter). */
  addCounter(name: string, help: string, read: () => number): void;
}

export function createMetrics(options: { prefix?: string; defaultMetrics?: boolean } = {}): Metrics {
  const prefix = options.prefix ?? 'frontline_';
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });

  const httpRequestDuration = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'HTTP request duration in seconds, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const httpRequestsInFlight = new Gauge({
    name: `${prefix}http_requests_in_flight`,
    help: 'HTTP requests being served now',
    registers: [registry],
  });

  return {
    registry,
    httpRequestDuration,
    httpRequestsInFlight,
    addGauge(name, help, read) {
      new Gauge({
        name: `${prefix}${name}`,
        help,
        registers: [registry],
        async collect() {
          this.set(await read());
        },
      });
    },
    addCounter(name, help, read) {
      let reported = 0;
      new Counter({
        name: `${prefix}${name}`,
        help,
        registers: [registry],
        collect() {
          // prom-client counters only go up: add what happened since the last scrape.
          const now = read();
          if (now > reported) this.inc(now - reported);
          reported = Math.max(reported, now);
        },
      });
    },
  };
}

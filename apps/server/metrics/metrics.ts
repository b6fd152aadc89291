import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Shiplog's Prometheus metrics, one registry per app instance (tests run several apps in one process). */
export class ShiplogMetrics {
  readonly registry = new Registry();

  readonly authFailures = new Counter({
    name: 'shiplog_auth_failures_total',
    help: 'Requests refused for missing, malformed, unknown, revoked or expired credentials, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly ingested = new Counter({
    name: 'shiplog_ingested_events_total',
    help: 'Deployment and build events reported by CI, by kind, canonical status and outcome (recorded or duplicate)',
    labelNames: ['kind', 'status', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly appendDuration = new Histogram({
    name: 'shiplog_append_duration_seconds',
    help: 'Time from an append call to its durable commit (group commit included)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly eventsAppended = new Counter({ name: 'shiplog_events_appended_total', help: 'Events appended, by type', labelNames: ['type'] as const, registers: [this.registry] });

  readonly httpDuration = new Histogram({
    name: 'shiplog_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'shiplog_' });
  }

  /** Gauges read when scraped: projection lag, reactor backlog. */
  gauge(name: string, help: string, label: string, read: () => Promise<{ name: string; value: number }[]>): void {
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [this.registry],
      async collect() {
        for (const { name: key, value } of await read()) this.set({ [label]: key }, value);
      },
    });
  }
}

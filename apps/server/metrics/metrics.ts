import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** Shiplog's Prometheus metrics, one registry per app instance (tests run several apps in one process). */
export class ShiplogMetrics {
  readonly registry = new Registry();

  readonly authFailures = new Counter({
    name: 'shiplog_auth_failures_total',
    help: 'Requests refused for missing, malformed, unknown, revoked or expired credentials, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'shiplog_' });
  }
}

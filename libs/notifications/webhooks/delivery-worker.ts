import type { Clock } from '../../domain/shared/time';
import type { SecretBox } from '../../application/secrets/secret-box';
import type { Delivery, Outbox } from './outbox';
import { signPayload } from './signature';

export type DeliveryPolicy = { maxAttempts: number; baseDelayMs: number; maxDelayMs: number; timeoutMs: number };

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 3_600_000, timeoutMs: 10_000 };

/**
 * Sends due deliveries from the outbox, signed, with exponential backoff up to a cap. Woken when something is
 * enqueued, otherwise sleeping until the next retry is due.
 */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private busy: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Aborts requests in flight on stop: they stay pending and go out again, with the same delivery id, after a restart. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly outbox: Outbox,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  start(): void {
    this.running = true;
    this.unsubscribe = this.outbox.onEnqueued(() => this.wake());
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.stopping.abort();
    await this.busy;
  }

  private wake(): void {
    if (!this.running || this.busy) return;
    if (this.timer) clearTimeout(this.timer);
    this.busy = this.drain().finally(() => {
      this.busy = null;
      this.schedule();
    });
  }

  private schedule(): void {
    if (!this.running) return;
    const next = this.outbox.nextDueAt();
    if (next === null) return;
    const wait = Math.max(0, Math.min(2_147_483_647, Date.parse(next) - this.clock.now().getTime()));
    this.timer = setTimeout(() => this.wake(), wait);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    for (let due = this.outbox.due(this.clock.now()); this.running && due.length > 0; due = this.outbox.due(this.clock.now())) {
      await Promise.all(due.map((delivery) => this.send(delivery)));
    }
  }

  private async send(delivery: Delivery): Promise<void> {
    const secret = delivery.sealed_secret ? this.secrets.decrypt(delivery.sealed_secret) : null;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Shiplog-Webhooks/1',
      'shiplog-delivery': delivery.delivery_id,
      'shiplog-event': delivery.event_type,
      ...(secret ? { 'shiplog-signature': signPayload(secret, delivery.payload, Math.floor(this.clock.now().getTime() / 1000)) } : {}),
    };
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(this.policy.timeoutMs), this.stopping.signal]);
      const response = await fetch(delivery.url, { method: 'POST', headers, body: delivery.payload, signal });
      await response.arrayBuffer();
      if (response.ok) return this.outbox.delivered(delivery.delivery_id, response.status, this.clock.now());
      this.failed(delivery, `HTTP ${response.status}`, response.status);
    } catch (error) {
      if (this.stopping.signal.aborted) return; // not an attempt: the server is stopping
      this.failed(delivery, error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error), null);
    }
  }

  private failed(delivery: Delivery, error: string, status: number | null): void {
    const attempt = delivery.attempts + 1;
    const gaveUp = attempt >= this.policy.maxAttempts;
    const delay = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    this.outbox.attemptFailed(delivery.delivery_id, error, status, gaveUp ? null : new Date(this.clock.now().getTime() + delay));
    this.log(`delivery ${delivery.delivery_id} to ${delivery.url} failed (attempt ${attempt}): ${error}${gaveUp ? '; giving up' : ''}`);
  }
}

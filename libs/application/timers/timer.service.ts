import { decideTimers, evolveTimers, initialTimersState, TIMERS_STREAM, type PendingTimer, type TimerCommand } from '../../domain/timers/timers';
import type { Clock } from '../../domain/shared/time';
import type { EventStore, RecordedEvent } from '../../event-store/event-store.port';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, loadStream, StreamStateCache } from '../shared/stream-command';
import type { Reactor } from '../reactors/reactor';

const TIMERS = { initialState: initialTimersState, evolve: evolveTimers };
const TIMER_ACTOR = { kind: 'system' as const, id: 'system:timers', name: 'timers' };
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Durable timers (`timer.scheduled` → `timer.fired`). Pending timers are armed in memory at start — including
 * those that fell due while the server was down, which fire at once — and as new ones are scheduled. Firing
 * appends `timer.fired` once per timer id (the decider and a deterministic key make a second fire a no-op).
 */
export class TimerService {
  private readonly cache = new StreamStateCache(1);
  private readonly armed = new Map<string, NodeJS.Timeout>();
  private running = false;

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  schedule(timer: PendingTimer, meta: CommandMeta): Promise<unknown> {
    return this.execute({ type: 'ScheduleTimer', data: timer }, meta);
  }

  cancel(timerId: string, meta: CommandMeta): Promise<unknown> {
    return this.execute({ type: 'CancelTimer', data: { timer_id: timerId } }, meta);
  }

  async start(): Promise<void> {
    this.running = true;
    const { state } = await loadStream(this.store, this.cache, TIMERS_STREAM, TIMERS);
    for (const timer of Object.values(state.pending)) this.arm(timer);
  }

  stop(): void {
    this.running = false;
    for (const handle of this.armed.values()) clearTimeout(handle);
    this.armed.clear();
  }

  /** Keeps the in-memory schedule in step with the stream, also for timers scheduled by another process. */
  readonly reactor: Reactor = {
    name: 'timer-arming',
    handles: ['timer.scheduled', 'timer.fired', 'timer.cancelled'],
    react: async (event: RecordedEvent) => {
      const data = event.data as PendingTimer;
      if (event.type === 'timer.scheduled') this.arm(data);
      else this.disarm(data.timer_id);
    },
  };

  private arm(timer: PendingTimer): void {
    if (!this.running || this.armed.has(timer.timer_id)) return;
    const wait = Math.max(0, Date.parse(timer.due_at) - this.clock.now().getTime());
    const handle = setTimeout(() => {
      this.armed.delete(timer.timer_id);
      // Far future: re-arm in steps. Node may also wake a few ms early; a timer never fires before its due time.
      if (wait > MAX_TIMEOUT_MS || Date.parse(timer.due_at) > this.clock.now().getTime()) return this.arm(timer);
      this.fire(timer.timer_id).catch((error: unknown) => {
        this.log(`timer ${timer.timer_id} could not fire: ${error instanceof Error ? error.message : String(error)}; retrying in 5 s`);
        setTimeout(() => this.arm(timer), 5_000).unref();
      });
    }, Math.min(wait, MAX_TIMEOUT_MS));
    handle.unref();
    this.armed.set(timer.timer_id, handle);
  }

  private disarm(timerId: string): void {
    clearTimeout(this.armed.get(timerId));
    this.armed.delete(timerId);
  }

  private fire(timerId: string) {
    return this.execute({ type: 'FireTimer', data: { timer_id: timerId } }, { actor: TIMER_ACTOR, correlationId: timerId, idempotencyKey: `timer-fired:${timerId}` });
  }

  private execute(command: TimerCommand, meta: CommandMeta) {
    return executeOnStream(this.store, this.cache, TIMERS_STREAM, TIMERS, (state) => decideTimers(command, state, this.clock.now()), { ...meta, request: command });
  }
}

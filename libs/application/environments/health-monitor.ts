import type { Clock } from '../../domain/shared/time';
import { probe } from '../../executors/health-probe';
import type { EnvironmentSettingsService } from './environment-settings.service';

const MONITOR = { kind: 'system' as const, id: 'system:health-monitor', name: 'health-monitor' };

/**
 * Polls each environment's health_check at its interval and records `environment.health_changed` on
 * transitions only. One tick per second decides which environments are due.
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | null = null;
  private readonly lastProbe = new Map<string, number>();
  private busy = false;

  constructor(
    private readonly settings: EnvironmentSettingsService,
    private readonly environments: () => Promise<string[]>,
    private readonly clock: Clock,
    private readonly log: (message: string) => void,
    private readonly tickMs = 1_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = this.clock.now().getTime();
      for (const name of await this.environments()) {
        const { health_check } = await this.settings.settings(name);
        if (!health_check || now - (this.lastProbe.get(name) ?? 0) < health_check.interval_seconds * 1000) continue;
        this.lastProbe.set(name, now);
        const observed = await probe(health_check);
        await this.settings.recordHealth(name, observed, { actor: MONITOR, correlationId: `health-${name}` });
      }
    } catch (error) {
      this.log(`health monitor: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.busy = false;
    }
  }
}

import { environmentStream } from '../../domain/catalog/catalog';
import { decideHealth, decideLock, decideSettings, type EnvironmentSettings, type ExecutorSettings } from '../../domain/environments/settings';
import { evolveEnvironment, initialEnvironmentState } from '../../domain/environments/variables';
import type { Clock } from '../../domain/shared/time';
import type { EventStore } from '../../event-store/event-store.port';
import type { CatalogRegistrar } from '../catalog/catalog.registrar';
import { assertValidSchema } from './configurations.service';
import type { SecretBox } from '../secrets/secret-box';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, loadStream, StreamStateCache } from '../shared/stream-command';

const ENVIRONMENT = { initialState: initialEnvironmentState, evolve: evolveEnvironment };

/** Settings as written through the API: a webhook secret arrives in clear and is sealed before any event. */
export type SettingsChanges = Partial<Omit<EnvironmentSettings, 'executor' | 'lock'>> & {
  executor?: { type: 'external'; webhook_url?: string; webhook_secret?: string } | Extract<ExecutorSettings, { type: 'command' }>;
};

export class EnvironmentSettingsService {
  private readonly cache = new StreamStateCache(1_000);

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    private readonly catalog: CatalogRegistrar,
  ) {}

  async settings(environment: string): Promise<EnvironmentSettings> {
    return (await loadStream(this.store, this.cache, environmentStream(environment), ENVIRONMENT)).state.settings;
  }

  async update(environment: string, changes: SettingsChanges, meta: CommandMeta): Promise<EnvironmentSettings> {
    await this.catalog.ensure([{ type: 'CreateEnvironment', data: { name: environment } }], meta);
    if (changes.config_schema) assertValidSchema(changes.config_schema);
    const { executor, ...rest } = changes;
    const sealed: Partial<EnvironmentSettings> = { ...rest, ...(executor ? { executor: this.seal(executor) } : {}) };
    await executeOnStream(
      this.store,
      this.cache,
      environmentStream(environment),
      ENVIRONMENT,
      (state) => decideSettings({ type: 'UpdateEnvironment', data: { environment, changes: sealed } }, state.settings, this.clock.now()),
      meta,
    );
    return this.settings(environment);
  }

  async lock(environment: string, lock: { by: string; reason: string; until: string | null }, meta: CommandMeta): Promise<EnvironmentSettings> {
    await this.catalog.ensure([{ type: 'CreateEnvironment', data: { name: environment } }], meta);
    await executeOnStream(this.store, this.cache, environmentStream(environment), ENVIRONMENT, (state) => decideLock({ type: 'LockEnvironment', data: { environment, ...lock } }, state.settings, this.clock.now()), meta);
    return this.settings(environment);
  }

  async unlock(environment: string, by: string, meta: CommandMeta): Promise<EnvironmentSettings> {
    await executeOnStream(this.store, this.cache, environmentStream(environment), ENVIRONMENT, (state) => decideLock({ type: 'UnlockEnvironment', data: { environment, by } }, state.settings, this.clock.now()), meta);
    return this.settings(environment);
  }

  /** Records a health transition (nothing when the status did not change). */
  async recordHealth(environment: string, observed: { status: 'healthy' | 'down'; detail: string }, meta: CommandMeta): Promise<void> {
    await executeOnStream(this.store, this.cache, environmentStream(environment), ENVIRONMENT, (state) => decideHealth(environment, state.settings, observed, this.clock.now()), meta);
  }

  /** The webhook secret in clear, for signing deliveries. */
  webhookSecret(executor: ExecutorSettings): string | null {
    return executor.type === 'external' && executor.webhook_secret ? this.secrets.decrypt(executor.webhook_secret.ciphertext) : null;
  }

  private seal(executor: NonNullable<SettingsChanges['executor']>): ExecutorSettings {
    if (executor.type === 'command' || executor.webhook_secret === undefined) return executor as ExecutorSettings;
    const { webhook_secret, ...rest } = executor;
    return { ...rest, webhook_secret: { ciphertext: this.secrets.encrypt(webhook_secret), fingerprint: this.secrets.fingerprint(webhook_secret) } };
  }
}

import { environmentStream } from '../../domain/catalog/catalog';
import {
  decideVariables,
  evolveEnvironment,
  initialEnvironmentState,
  type EnvironmentStreamEvent,
  type VariableCommand,
  type VariableSet,
} from '../../domain/environments/variables';
import type { Clock } from '../../domain/shared/time';
import type { EventStore } from '../../event-store/event-store.port';
import type { CatalogRegistrar } from '../catalog/catalog.registrar';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, StreamStateCache } from '../shared/stream-command';
import type { SecretBox } from '../secrets/secret-box';

const ENVIRONMENT = { initialState: initialEnvironmentState, evolve: evolveEnvironment };

export type VariableInput = { environment: string; product?: string; name: string; value: string; secret: boolean };

/**
 * Plain and secret variables per environment and per product × environment. A secret is sealed here, before
 * any event is built, so its plaintext reaches neither the store nor a read model.
 */
export class VariablesService {
  private readonly cache = new StreamStateCache(1_000);

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    private readonly catalog: CatalogRegistrar,
  ) {}

  async set(input: VariableInput, meta: CommandMeta): Promise<void> {
    const key = { environment: input.environment, ...(input.product === undefined ? {} : { product: input.product }), name: input.name };
    const command: VariableCommand = input.secret
      ? { type: 'SetVariable', data: { ...key, secret: true, sealed: { ciphertext: this.secrets.encrypt(input.value), fingerprint: this.secrets.fingerprint(input.value) } } }
      : { type: 'SetVariable', data: { ...key, secret: false, value: input.value } };
    await this.execute(command, meta, input.product);
  }

  async remove(key: { environment: string; product?: string; name: string }, meta: CommandMeta): Promise<void> {
    await this.execute({ type: 'RemoveVariable', data: key }, meta, key.product);
  }

  /** The variables a deployment of `product` to `environment` runs with, secrets decrypted; product values win. */
  async resolve(environment: string, product: string): Promise<Record<string, string>> {
    return (await this.resolveWithSecrets(environment, product)).values;
  }

  /** As `resolve`, plus which values are secret (so executors can mask them in logs). */
  async resolveWithSecrets(environment: string, product: string): Promise<{ values: Record<string, string>; secrets: string[] }> {
    const { events } = await this.store.readStream(environmentStream(environment));
    const current = new Map<string, VariableSet['data']>();
    for (const event of events as unknown as EnvironmentStreamEvent[]) {
      if (event.type === 'environment.variable_set') current.set(`${event.data.product ?? '*'}/${event.data.name}`, event.data);
      if (event.type === 'environment.variable_removed') current.delete(`${event.data.product ?? '*'}/${event.data.name}`);
    }
    const applicable = [...current.values()].filter((v) => v.product === undefined || v.product === product).sort((a, b) => Number(a.product !== undefined) - Number(b.product !== undefined));
    const resolved = applicable.map((v) => ({ name: v.name, secret: v.secret, value: v.secret ? this.secrets.decrypt(v.ciphertext) : v.value }));
    const values = Object.fromEntries(resolved.map((v) => [v.name, v.value]));
    return { values, secrets: resolved.filter((v) => v.secret && values[v.name] === v.value).map((v) => v.value) };
  }

  private async execute(command: VariableCommand, meta: CommandMeta, product: string | undefined): Promise<void> {
    await this.catalog.ensure(
      [{ type: 'CreateEnvironment', data: { name: command.data.environment } }, ...(product ? [{ type: 'RegisterProduct' as const, data: { name: product } }] : [])],
      meta,
    );
    await executeOnStream(this.store, this.cache, environmentStream(command.data.environment), ENVIRONMENT, (state) => decideVariables(command, state, this.clock.now()), meta);
  }
}

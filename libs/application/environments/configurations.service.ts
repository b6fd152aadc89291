import Ajv, { type ErrorObject } from 'ajv';
import { environmentStream } from '../../domain/catalog/catalog';
import { ConfigVersionNotFound, decideConfig, diffConfig, type ConfigChange, type ConfigVersioned } from '../../domain/environments/configurations';
import { InvalidSettings } from '../../domain/environments/settings';
import { evolveEnvironment, initialEnvironmentState } from '../../domain/environments/variables';
import { DomainError, type FieldError } from '../../domain/shared/domain-error';
import type { Clock } from '../../domain/shared/time';
import type { EventStore, Recorded } from '../../event-store/event-store.port';
import type { CatalogRegistrar } from '../catalog/catalog.registrar';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, StreamStateCache } from '../shared/stream-command';
import type { EnvironmentSettingsService } from './environment-settings.service';

const ENVIRONMENT = { initialState: initialEnvironmentState, evolve: evolveEnvironment };
const ajv = new Ajv({ allErrors: true, strict: false });

export class ConfigInvalid extends DomainError {
  readonly code = 'config-invalid';
  constructor(environment: string, errors: FieldError[]) {
    super(`The configuration does not match ${environment}'s schema: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors);
  }
}

/** Every schema error at once, each with the JSON path of the offending value. */
const schemaErrors = (errors: readonly ErrorObject[]): FieldError[] =>
  errors.map((e) => ({
    field: `config${e.instancePath.replace(/\//g, '.')}${e.keyword === 'required' ? `.${String(e.params['missingProperty'])}` : ''}`,
    message: e.message ?? 'is invalid',
    ...(e.keyword === 'enum' ? { accepted: (e.params['allowedValues'] as unknown[]).map(String) } : {}),
  }));

/** Refuses a schema ajv cannot compile, when it is set on an environment. */
export const assertValidSchema = (schema: Record<string, unknown>): void => {
  try {
    ajv.compile(schema);
  } catch (error) {
    throw new InvalidSettings('config_schema', `not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`);
  }
};

export type ConfigVersionView = { environment: string; version: number; config: Record<string, unknown>; created_at: string; created_by: string; restored_from: number | null };

/** Immutable, numbered configuration versions per environment, validated against the environment's schema. */
export class ConfigurationsService {
  private readonly cache = new StreamStateCache(1_000);

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly catalog: CatalogRegistrar,
    private readonly settings: EnvironmentSettingsService,
  ) {}

  /** Records a new version (or nothing, when it equals the latest); answers the version that is now current. */
  async version(environment: string, config: Record<string, unknown>, meta: CommandMeta, restoredFrom?: number): Promise<{ version: ConfigVersionView; created: boolean }> {
    await this.catalog.ensure([{ type: 'CreateEnvironment', data: { name: environment } }], meta);
    const { config_schema } = await this.settings.settings(environment);
    if (config_schema) {
      const validate = ajv.compile(config_schema);
      if (!validate(config)) throw new ConfigInvalid(environment, schemaErrors(validate.errors ?? []));
    }
    const result = await executeOnStream(
      this.store,
      this.cache,
      environmentStream(environment),
      ENVIRONMENT,
      (state) => decideConfig({ type: 'VersionConfig', data: { environment, config, ...(restoredFrom === undefined ? {} : { restored_from: restoredFrom }) } }, state, this.clock.now()),
      meta,
    );
    const versions = await this.versions(environment);
    return { version: versions[versions.length - 1]!, created: result.kind === 'appended' };
  }

  async versions(environment: string): Promise<ConfigVersionView[]> {
    const { events } = await this.store.readStream(environmentStream(environment));
    return (events as Recorded<ConfigVersioned>[])
      .filter((e) => e.type === 'environment.config_versioned')
      .map((e) => ({
        environment,
        version: e.data.version,
        config: e.data.config,
        created_at: e.data.versioned_at,
        created_by: e.metadata.actor.name,
        restored_from: e.data.restored_from ?? null,
      }));
  }

  async get(environment: string, version: number): Promise<ConfigVersionView> {
    const found = (await this.versions(environment)).find((v) => v.version === version);
    if (!found) throw new ConfigVersionNotFound(environment, version);
    return found;
  }

  async diff(environment: string, from: number, to: number): Promise<ConfigChange[]> {
    return diffConfig((await this.get(environment, from)).config, (await this.get(environment, to)).config);
  }

  /** A restore is a new version equal to an old one: history is never rewritten. */
  async restore(environment: string, version: number, meta: CommandMeta) {
    return this.version(environment, (await this.get(environment, version)).config, meta, version);
  }
}

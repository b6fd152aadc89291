import type { EnvironmentCreated } from '../catalog/catalog';
import { assertNever } from '../shared/assert-never';
import { DomainError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/event';
import type { ConfigState, ConfigVersioned } from './configurations';
import { DEFAULT_SETTINGS, type HealthChanged, type EnvironmentLocked, type EnvironmentSettings, type EnvironmentUnlocked, type EnvironmentUpdated } from './settings';

export const VARIABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** A secret arrives already sealed by the application layer: the domain never sees its plaintext. */
export type SealedSecret = { ciphertext: string; fingerprint: string };

type VariableKey = { environment: string; product?: string; name: string };

export type VariableSet = DomainEvent<
  'environment.variable_set',
  VariableKey & ({ secret: false; value: string } | ({ secret: true } & SealedSecret)) & { set_at: string }
>;
export type VariableRemoved = DomainEvent<'environment.variable_removed', VariableKey & { removed_at: string }>;

/** Everything an `environment-{name}` stream holds so far. */
export type EnvironmentStreamEvent = EnvironmentCreated | VariableSet | VariableRemoved | EnvironmentUpdated | EnvironmentLocked | EnvironmentUnlocked | ConfigVersioned | HealthChanged;
export const VARIABLE_EVENT_TYPES: readonly (VariableSet | VariableRemoved)['type'][] = ['environment.variable_set', 'environment.variable_removed'];

export type SetVariable = { type: 'SetVariable'; data: VariableKey & ({ secret: false; value: string } | { secret: true; sealed: SealedSecret }) };
export type RemoveVariable = { type: 'RemoveVariable'; data: VariableKey };
export type VariableCommand = SetVariable | RemoveVariable;

type StoredVariable = { secret: boolean; identity: string };
export type EnvironmentState = { readonly variables: Readonly<Record<string, StoredVariable>>; readonly settings: EnvironmentSettings } & ConfigState;
export const initialEnvironmentState: EnvironmentState = { variables: {}, settings: DEFAULT_SETTINGS, latest: null };

const keyOf = ({ product, name }: { product?: string; name: string }) => `${product ?? '*'}/${name}`;

export class VariableNotFound extends DomainError {
  readonly code = 'variable-not-found';
  constructor({ environment, product, name }: VariableKey) {
    super(`No variable ${name} in ${environment}${product ? ` for ${product}` : ''}.`, [{ field: 'name', message: 'unknown variable' }]);
  }
}

export class InvalidVariableName extends DomainError {
  readonly code = 'invalid-variable-name';
  constructor(name: string) {
    super(`"${name}" is not a valid variable name: a letter or _ then letters, digits or _, at most 128 characters.`, [
      { field: 'name', message: 'letters, digits and _, not starting with a digit' },
    ]);
  }
}

export const decideVariables = (command: VariableCommand, state: EnvironmentState, now: Date): (VariableSet | VariableRemoved)[] => {
  const { environment, product, name } = command.data;
  if (!VARIABLE_NAME_PATTERN.test(name)) throw new InvalidVariableName(name);
  const key = { environment, ...(product === undefined ? {} : { product }), name };
  const current = state.variables[keyOf(command.data)];
  switch (command.type) {
    case 'SetVariable': {
      const { data } = command;
      const identity = data.secret ? `secret:${data.sealed.fingerprint}` : `plain:${data.value}`;
      if (current?.identity === identity) return []; // the same value again changes nothing
      const value = data.secret ? { secret: true as const, ...data.sealed } : { secret: false as const, value: data.value };
      return [{ type: 'environment.variable_set', data: { ...key, ...value, set_at: now.toISOString() } }];
    }
    case 'RemoveVariable':
      if (!current) throw new VariableNotFound(key);
      return [{ type: 'environment.variable_removed', data: { ...key, removed_at: now.toISOString() } }];
    default:
      return assertNever(command);
  }
};

export const evolveEnvironment = (state: EnvironmentState, event: EnvironmentStreamEvent): EnvironmentState => {
  switch (event.type) {
    case 'environment.created':
      return state;
    case 'environment.variable_set': {
      const { data } = event;
      const identity = data.secret ? `secret:${data.fingerprint}` : `plain:${data.value}`;
      return { ...state, variables: { ...state.variables, [keyOf(data)]: { secret: data.secret, identity } } };
    }
    case 'environment.variable_removed': {
      const { [keyOf(event.data)]: _removed, ...rest } = state.variables;
      return { ...state, variables: rest };
    }
    case 'environment.updated':
      return { ...state, settings: { ...state.settings, ...event.data.changes } };
    case 'environment.locked': {
      const { environment: _env, ...lock } = event.data;
      return { ...state, settings: { ...state.settings, lock } };
    }
    case 'environment.unlocked':
      return { ...state, settings: { ...state.settings, lock: null } };
    case 'environment.health_changed':
      return { ...state, settings: { ...state.settings, status: event.data.status } };
    case 'environment.config_versioned':
      return { ...state, latest: { version: event.data.version, config: event.data.config } };
    default:
      return assertNever(event);
  }
};

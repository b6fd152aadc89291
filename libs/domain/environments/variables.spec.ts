import { specFor } from '../../testing/given-when-then';
import { decideVariables, evolveEnvironment, initialEnvironmentState, InvalidVariableName, VariableNotFound, type EnvironmentStreamEvent, type SetVariable } from './variables';

const NOW = '2026-11-23T10:00:00.000Z';
const given = specFor<SetVariable | Parameters<typeof decideVariables>[0], EnvironmentStreamEvent, typeof initialEnvironmentState, Date>(
  { decide: decideVariables, evolve: evolveEnvironment, initialState: initialEnvironmentState },
  () => new Date(NOW),
);
const plain = (name: string, value: string, product?: string): SetVariable => ({
  type: 'SetVariable',
  data: { environment: 'prod', name, secret: false, value, ...(product ? { product } : {}) },
});
const secret = (name: string, fingerprint: string): SetVariable => ({
  type: 'SetVariable',
  data: { environment: 'prod', name, secret: true, sealed: { ciphertext: `v1:${fingerprint}`, fingerprint } },
});
const setPlain = (name: string, value: string, product?: string): EnvironmentStreamEvent => ({
  type: 'environment.variable_set',
  data: { environment: 'prod', name, secret: false, value, ...(product ? { product } : {}), set_at: NOW },
});

describe('environment variables decider', () => {
  it('sets a plain variable', () => given().when(plain('LOG_LEVEL', 'info')).thenEmits(setPlain('LOG_LEVEL', 'info')));

  it('sets a product-specific variable apart from the environment-wide one', () =>
    given(setPlain('LOG_LEVEL', 'info')).when(plain('LOG_LEVEL', 'debug', 'api')).thenEmits(setPlain('LOG_LEVEL', 'debug', 'api')));

  it('records a secret only sealed', () =>
    given()
      .when(secret('DB_PASSWORD', 'f1'))
      .thenEmits({ type: 'environment.variable_set', data: { environment: 'prod', name: 'DB_PASSWORD', secret: true, ciphertext: 'v1:f1', fingerprint: 'f1', set_at: NOW } }));

  it('treats the same value again as a no-op (secrets compared by fingerprint)', () => {
    given(setPlain('LOG_LEVEL', 'info')).when(plain('LOG_LEVEL', 'info')).thenNothing();
    given({ type: 'environment.variable_set', data: { environment: 'prod', name: 'K', secret: true, ciphertext: 'v1:x', fingerprint: 'f1', set_at: NOW } })
      .when(secret('K', 'f1'))
      .thenNothing();
  });

  it('removes a variable, and refuses to remove an unknown one', () => {
    given(setPlain('LOG_LEVEL', 'info'))
      .when({ type: 'RemoveVariable', data: { environment: 'prod', name: 'LOG_LEVEL' } })
      .thenEmits({ type: 'environment.variable_removed', data: { environment: 'prod', name: 'LOG_LEVEL', removed_at: NOW } });
    given().when({ type: 'RemoveVariable', data: { environment: 'prod', name: 'NOPE' } }).thenFails(VariableNotFound);
  });

  it('refuses names that are not identifiers', () => given().when(plain('bad-name', 'x')).thenFails(InvalidVariableName));
});

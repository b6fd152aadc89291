import { VARIABLE_EVENT_TYPES, type VariableRemoved, type VariableSet } from '../../domain/environments/variables';
import { assertNever } from '../../domain/shared/assert-never';
import type { Recorded } from '../../event-store/event-store.port';
import { defineProjection } from '../projection';

/** A variable as anyone may read it: a secret shows only that it is set, and a fingerprint to compare by. */
export type VariableView = {
  id: string;
  environment: string;
  product: string | null;
  name: string;
  secret: boolean;
  /** null for secrets: they are write-only. */
  value: string | null;
  /** HMAC of a secret's value: equal fingerprints mean equal values, without revealing either. */
  fingerprint: string | null;
  updated_at: string;
  updated_by: string;
};

export const VARIABLES = 'variables';
export const variableId = (environment: string, product: string | null | undefined, name: string) => `${environment}/${product ?? '*'}/${name}`;

export const variablesProjection = defineProjection<Recorded<VariableSet | VariableRemoved>>({
  name: 'variables',
  version: 1,
  collections: [{ name: VARIABLES, indexes: [['environment', 'product', 'name']] }],
  handles: VARIABLE_EVENT_TYPES,
  async apply(tx, event) {
    const { environment, product, name } = event.data;
    const id = variableId(environment, product, name);
    switch (event.type) {
      case 'environment.variable_set': {
        const { data } = event;
        return tx.put(VARIABLES, {
          id,
          environment,
          product: product ?? null,
          name,
          secret: data.secret,
          value: data.secret ? null : data.value,
          fingerprint: data.secret ? data.fingerprint : null,
          updated_at: data.set_at,
          updated_by: event.metadata.actor.name,
        } satisfies VariableView);
      }
      case 'environment.variable_removed':
        return tx.delete(VARIABLES, id);
      default:
        return assertNever(event);
    }
  },
});

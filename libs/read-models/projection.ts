import type { RecordedEvent } from '../event-store/event-store.port';
import type { CollectionDef, ReadTx } from './read-store.port';

/**
 * A projection is pure with respect to the outside world: it reads and writes documents through `tx`
 * and nothing else. Bump `version` when its output changes shape: the runner rebuilds it from position 0.
 */
export type Projection<E extends RecordedEvent = RecordedEvent> = {
  name: string;
  version: number;
  collections: readonly CollectionDef[];
  handles: readonly E['type'][];
  apply(tx: ReadTx, event: E): Promise<void>;
};

export const defineProjection = <E extends RecordedEvent>(projection: Projection<E>): Projection => projection as unknown as Projection;

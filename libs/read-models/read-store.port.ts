/** A document with a string id; projections store read models as documents in named collections. */
export type Doc = { id: string } & Record<string, unknown>;

export type Scalar = string | number | boolean | null;
export type Condition = Scalar | { in: readonly Scalar[] } | { gt?: Scalar; gte?: Scalar; lt?: Scalar; lte?: Scalar };
export type SortDirection = 'asc' | 'desc';

export type FindQuery = {
  where?: Readonly<Record<string, Condition>>;
  /** The last entry should be unique (e.g. `id`) so keyset paging is stable. */
  orderBy?: readonly (readonly [field: string, direction: SortDirection])[];
  /** Keyset paging: the orderBy values of the last row of the previous page. */
  after?: readonly Scalar[];
  limit?: number;
};

/** Collections are declared with the field lists each query filters and sorts on, so every adapter can index them. */
export type CollectionDef = {
  name: string;
  indexes: readonly (readonly string[])[];
  /** Each document is put once and never read back by its projection (a history): a rebuild need not keep it at hand. */
  appendOnly?: boolean;
};

/**
 * A projection's unit of work: reads see the work's own writes; nothing is visible to queries until the
 * runner commits the writes together with the projection's checkpoint. Documents are immutable values: put a new
 * object, never mutate one returned by `get` (the unit of work may hand back the very object it holds).
 */
export interface ReadTx {
  get<T extends Doc>(collection: string, id: string): Promise<T | null>;
  put(collection: string, doc: Doc): void;
  delete(collection: string, id: string): void;
}

export type CheckpointMove = { from: number; to: number };

export type ProjectionIdentity = { name: string; version: number; collections: readonly CollectionDef[] };

/** A projection being rebuilt into fresh collections while the live ones keep serving. */
export interface RebuildTarget {
  commit(position: number, work: (tx: ReadTx) => Promise<void>): Promise<void>;
  /** Replaces the live collections and checkpoint with the rebuilt ones, atomically. */
  swap(): Promise<void>;
  abort(): Promise<void>;
}

export interface ReadStore {
  /**
   * Creates the projection's collections and returns its checkpoint. A projection whose version changed
   * starts again from position 0 on empty collections.
   */
  prepare(projection: ProjectionIdentity): Promise<number>;
  /**
   * Runs `work` and commits its writes with the checkpoint moved from `from` to `to`, atomically — only when the
   * stored checkpoint is still `from`. Several app instances may project into one store: the one that loses the
   * race writes nothing, gets false, and resumes from the stored checkpoint (no event is applied twice).
   */
  commit(projection: string, checkpoint: CheckpointMove, work: (tx: ReadTx) => Promise<void>): Promise<boolean>;
  checkpoint(projection: string): Promise<number | null>;
  beginRebuild(projection: ProjectionIdentity): Promise<RebuildTarget>;
  get<T extends Doc>(collection: string, id: string): Promise<T | null>;
  find<T extends Doc>(collection: string, query?: FindQuery): Promise<T[]>;
  close(): Promise<void>;
}

export const READ_STORE = Symbol('ReadStore');

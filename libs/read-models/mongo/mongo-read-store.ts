import { MongoClient, MongoServerSelectionError, type AnyBulkWriteOperation, type ClientSession, type Collection, type Db, type Document } from 'mongodb';
import type { CheckpointMove, CollectionDef, Doc, FindQuery, ProjectionIdentity, ReadStore, ReadTx, RebuildTarget } from '../read-store.port';
import { redactUrl } from '../../shared/urls';
import { overlayTx } from '../overlay';
import { collectionName, databaseInUrl, indexSpecs, toMongoFind } from './mongo-query';

type Checkpoint = { _id: string; version: number; position: number };
type Stored = Document & { _id: string };

/** Documents are returned as the projection wrote them: `_id` is the store's copy of `id`. */
const WITHOUT_ID = { projection: { _id: 0 } } as const;
const SERVER_SELECTION_TIMEOUT_MS = 5_000;

/**
 * Read models in MongoDB, one `rm_<collection>` collection per read-model collection. Commits are multi-document
 * transactions, which MongoDB has only on a replica set or a sharded cluster: `connect` refuses a standalone server.
 */
export class MongoReadStore implements ReadStore {
  private readonly checkpoints: Collection<Checkpoint>;

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {
    this.checkpoints = db.collection<Checkpoint>('projection_checkpoints');
  }

  static async connect(url: string, options: { database?: string } = {}): Promise<MongoReadStore> {
    const client = new MongoClient(url, {
      // An unreachable server fails in seconds rather than the driver's 30 s; the URL may still set its own.
      ...(/[?&]serverSelectionTimeoutMS=/i.test(url) ? {} : { serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS }),
      // Leave undefined fields out, as JSON (and so the SQLite store) does, rather than storing them as null.
      ignoreUndefined: true,
    });
    try {
      await client.connect();
      const hello = await client.db('admin').command({ hello: 1 });
      if (typeof hello['setName'] !== 'string' && hello['msg'] !== 'isdbgrid') {
        throw new Error(
          `MongoDB at ${redactUrl(url)} is a standalone server: the read store commits in multi-document transactions, ` +
            'which need a replica set (e.g. mongod --replSet rs0, then rs.initiate(), and ?replicaSet=rs0 in the URL)',
        );
      }
    } catch (error) {
      await client.close();
      if (error instanceof MongoServerSelectionError) throw new Error(`Cannot reach MongoDB at ${redactUrl(url)}: ${error.message}`, { cause: error });
      throw error;
    }
    return new MongoReadStore(client, client.db(options.database ?? databaseInUrl(url) ?? 'shiplog'));
  }

  async prepare({ name, version, collections }: ProjectionIdentity): Promise<number> {
    const row = await this.checkpoints.findOne({ _id: name });
    const reset = row !== null && row.version !== version;
    // Collections are emptied before the checkpoint moves to the new version: a crash in between resets again on restart.
    for (const collection of collections) {
      if (reset) await this.db.collection(collectionName(collection.name)).drop();
      await this.createIndexes(collectionName(collection.name), collection);
    }
    // $setOnInsert: an instance starting alongside one that already projected must not move its checkpoint back to 0.
    const checkpoint = { version, position: 0 };
    if (!row || reset) await this.checkpoints.updateOne({ _id: name }, reset ? { $set: checkpoint } : { $setOnInsert: checkpoint }, { upsert: true });
    return row && !reset ? row.position : 0;
  }

  /** Named after their fields, so creating them again is a no-op. */
  private async createIndexes(name: string, collection: CollectionDef): Promise<void> {
    const specs = indexSpecs(collection);
    if (specs.length > 0) await this.db.collection(name).createIndexes(specs);
  }

  async commit(projection: string, { from, to }: CheckpointMove, work: (tx: ReadTx) => Promise<void>): Promise<boolean> {
    return this.transact(collectionName, work, async (session) => {
      const moved = await this.checkpoints.updateOne({ _id: projection, position: from }, { $set: { position: to } }, { session });
      return moved.matchedCount === 1;
    });
  }

  /**
   * In one transaction: `claim` (the checkpoint CAS, first so a lost race runs no work and conflicting commits
   * serialize on the checkpoint document), then `work` against an overlay (its own writes, else the transaction's
   * snapshot), then the overlay's writes. A failed claim aborts: nothing written, false. withTransaction
   * retries transient errors (e.g. a write conflict with another instance) by running all of this again.
   */
  private transact(nameOf: (collection: string) => string, work: (tx: ReadTx) => Promise<void>, claim: (session: ClientSession) => Promise<boolean>): Promise<boolean> {
    return this.client.withSession<boolean>((session) =>
      session.withTransaction<boolean>(async () => {
        if (!(await claim(session))) {
          await session.abortTransaction();
          return false;
        }
        const { tx, writes } = overlayTx((collection, id) => this.collection(nameOf(collection)).findOne<Doc>({ _id: id }, { ...WITHOUT_ID, session }));
        await work(tx);
        // Sequential on purpose: operations of one transaction must not run in parallel.
        for (const [collection, byId] of writes) {
          const operations = [...byId].map(([id, write]): AnyBulkWriteOperation<Stored> =>
            'doc' in write ? { replaceOne: { filter: { _id: id }, replacement: { ...write.doc, _id: id }, upsert: true } } : { deleteOne: { filter: { _id: id } } },
          );
          if (operations.length > 0) await this.collection(nameOf(collection)).bulkWrite(operations, { session });
        }
        return true;
      }),
    );
  }

  /**
   * Rebuilds into `rm_<collection>__next` collections while queries keep reading the live ones. Unlike SQLite, the
   * swap is atomic per collection only (renameCollection cannot run in a transaction): queries may briefly see one
   * rebuilt collection beside an old one, and a crash mid-swap keeps the old checkpoint, so the runner replays from
   * it onto the rebuilt collections (rebuild again if the projection is not idempotent).
   */
  async beginRebuild({ name, version, collections }: ProjectionIdentity): Promise<RebuildTarget> {
    const next = (collection: string) => `${collectionName(collection)}__next`;
    const dropNext = async () => {
      for (const { name: collection } of collections) await this.db.collection(next(collection)).drop();
    };
    await dropNext();
    // Created up front so that swap can rename each of them even when the rebuild wrote nothing there.
    for (const { name: collection } of collections) await this.db.createCollection(next(collection));
    let position = 0;
    return {
      commit: async (at, work) => {
        await this.transact(next, work, async () => true);
        position = at;
      },
      swap: async () => {
        for (const collection of collections) {
          // Loaded without secondary indexes (faster); indexed before the rename, so the live name never lacks them.
          await this.createIndexes(next(collection.name), collection);
          await this.db.renameCollection(next(collection.name), collectionName(collection.name), { dropTarget: true });
        }
        // Last: a crash before it replays some events onto the rebuilt collections rather than skipping any.
        await this.checkpoints.updateOne({ _id: name }, { $set: { version, position } }, { upsert: true });
      },
      abort: dropNext,
    };
  }

  private collection(name: string): Collection<Stored> {
    return this.db.collection<Stored>(name);
  }

  async checkpoint(projection: string): Promise<number | null> {
    return (await this.checkpoints.findOne({ _id: projection }))?.position ?? null;
  }

  async get<T extends Doc>(collection: string, id: string): Promise<T | null> {
    return this.collection(collectionName(collection)).findOne<T>({ _id: id }, WITHOUT_ID);
  }

  async find<T extends Doc>(collection: string, query: FindQuery = {}): Promise<T[]> {
    const { filter, options } = toMongoFind(query);
    return this.collection(collectionName(collection)).find<T>(filter, { ...options, ...WITHOUT_ID }).toArray();
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

import type { Doc, ReadTx } from './read-store.port';

export type Write = { doc: Doc } | { deleted: true };

/**
 * A unit of work's writes, held in memory until the adapter commits them: reads see the unit's own writes first,
 * then the store through `readThrough`. Documents are values: projections build new ones (spread) and never mutate
 * what `get` returned — so nothing is cloned here (cloning was a quarter of replay time).
 */
export const overlayTx = (readThrough: (collection: string, id: string) => Promise<Doc | null>): { tx: ReadTx; writes: Map<string, Map<string, Write>> } => {
  const writes = new Map<string, Map<string, Write>>();
  const pending = (collection: string) => writes.get(collection) ?? writes.set(collection, new Map()).get(collection)!;
  const tx: ReadTx = {
    get: async <T extends Doc>(collection: string, id: string) => {
      const write = pending(collection).get(id);
      if (write) return 'doc' in write ? (write.doc as T) : null;
      return (await readThrough(collection, id)) as T | null;
    },
    put: (collection, doc) => void pending(collection).set(doc.id, { doc }),
    delete: (collection, id) => void pending(collection).set(id, { deleted: true }),
  };
  return { tx, writes };
};

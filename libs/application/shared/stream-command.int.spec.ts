import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../../event-store/event-store.port';
import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';
import type { CommandMeta } from './command-meta';
import { executeOnStream, loadStream, StreamStateCache } from './stream-command';

/** A set of tags: `tag.added` / `tag.removed`; adding a tag it holds, or removing one it lacks, decides nothing. */
type TagEvent = { type: 'tag.added' | 'tag.removed'; data: { tag: string } };
const TAGS = {
  initialState: new Set<string>() as ReadonlySet<string>,
  evolve: (tags: ReadonlySet<string>, event: TagEvent): ReadonlySet<string> => {
    const next = new Set(tags);
    if (event.type === 'tag.added') next.add(event.data.tag);
    else next.delete(event.data.tag);
    return next;
  },
};
const add = (tag: string) => (tags: ReadonlySet<string>): TagEvent[] => (tags.has(tag) ? [] : [{ type: 'tag.added', data: { tag } }]);
const remove = (tag: string) => (tags: ReadonlySet<string>): TagEvent[] => (tags.has(tag) ? [{ type: 'tag.removed', data: { tag } }] : []);
/** Refuses (throws) when the tag is not there: as deciders refuse a command on an unknown entity. */
const rename = (from: string, to: string) => (tags: ReadonlySet<string>): TagEvent[] => {
  if (!tags.has(from)) throw new Error(`no tag ${from}`);
  return [{ type: 'tag.removed', data: { tag: from } }, { type: 'tag.added', data: { tag: to } }];
};
const META: CommandMeta = { actor: { kind: 'token', id: 'tok-1', name: 'ann' }, correlationId: 'c-1' };
const STREAM = 'tags-1';

/** The store as the port, counting the stream reads made through it. */
const countingReads = (store: EventStore) => {
  let reads = 0;
  const counted = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'readStream' && typeof value === 'function') {
        return (...args: unknown[]) => {
          reads += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: counted, reads: () => reads };
};

describe('stream commands on a store another process writes too (two connections to one file)', () => {
  let dir: string;
  let mine: SqliteEventStore;
  let theirs: SqliteEventStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-stream-command-'));
    mine = SqliteEventStore.open({ file: join(dir, 'events.db') });
    theirs = SqliteEventStore.open({ file: join(dir, 'events.db') });
  });
  afterEach(async () => {
    await Promise.all([mine.close(), theirs.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  describe('executeOnStream with a cached state', () => {
    const tagsIn = async (store: EventStore) => (await store.readStream(STREAM)).events.map((e) => `${e.type} ${(e.data as { tag: string }).tag}`);

    it('given a state this process cached, when it appends again, then it reads nothing from the store first', async () => {
      const { store, reads } = countingReads(mine);
      const cache = new StreamStateCache();
      await executeOnStream(store, cache, STREAM, TAGS, add('a'), META);
      const readsAfterFirst = reads();

      const result = await executeOnStream(store, cache, STREAM, TAGS, add('b'), META);

      expect(result.kind).toBe('appended');
      expect(reads()).toBe(readsAfterFirst);
      expect(await tagsIn(mine)).toEqual(['tag.added a', 'tag.added b']);
    });

    it('given another process appended since the state was cached, when a command decides, then it decides again on what the store holds', async () => {
      const cache = new StreamStateCache();
      await executeOnStream(mine, cache, STREAM, TAGS, add('a'), META);
      await executeOnStream(theirs, new StreamStateCache(), STREAM, TAGS, add('b'), META);

      const result = await executeOnStream(mine, cache, STREAM, TAGS, add('b'), META);

      expect(result.kind).toBe('unchanged');
      expect(await tagsIn(mine)).toEqual(['tag.added a', 'tag.added b']);
    });

    it('given another process appended since, when the cached state would decide nothing, then the state is read and the command decides on it', async () => {
      const cache = new StreamStateCache();
      await executeOnStream(mine, cache, STREAM, TAGS, add('a'), META);
      await executeOnStream(theirs, new StreamStateCache(), STREAM, TAGS, remove('a'), META);

      const result = await executeOnStream(mine, cache, STREAM, TAGS, add('a'), META);

      expect(result).toMatchObject({ kind: 'appended', replayed: false });
      expect(await tagsIn(mine)).toEqual(['tag.added a', 'tag.removed a', 'tag.added a']);
    });

    it('given another process appended since, when the cached state would refuse the command, then the state is read and the command decides on it', async () => {
      const cache = new StreamStateCache();
      await executeOnStream(mine, cache, STREAM, TAGS, add('a'), META);
      await executeOnStream(theirs, new StreamStateCache(), STREAM, TAGS, add('b'), META);

      const result = await executeOnStream(mine, cache, STREAM, TAGS, rename('b', 'c'), META);

      expect(result).toMatchObject({ kind: 'appended', replayed: false });
      expect(await tagsIn(mine)).toEqual(['tag.added a', 'tag.added b', 'tag.removed b', 'tag.added c']);
    });

    it('given the store holds what the cache does, when the command is refused, then the refusal reaches the caller', async () => {
      const cache = new StreamStateCache();
      await executeOnStream(mine, cache, STREAM, TAGS, add('a'), META);

      await expect(executeOnStream(mine, cache, STREAM, TAGS, rename('b', 'c'), META)).rejects.toThrow('no tag b');
      expect(await tagsIn(mine)).toEqual(['tag.added a']);
    });

    it('given another process appended since, when the cached state decides something, then the stale append is refused and the retry appends after theirs', async () => {
      const cache = new StreamStateCache();
      await executeOnStream(mine, cache, STREAM, TAGS, add('a'), META);
      await executeOnStream(theirs, new StreamStateCache(), STREAM, TAGS, add('b'), META);

      const result = await executeOnStream(mine, cache, STREAM, TAGS, add('c'), META);

      expect(result).toMatchObject({ kind: 'appended', position: 3 });
      expect(await tagsIn(theirs)).toEqual(['tag.added a', 'tag.added b', 'tag.added c']);
    });
  });

  describe('loadStream with the revision a reactor needs', () => {
    it('given a cached state at that revision, then it is the answer and the store is not read', async () => {
      const { store, reads } = countingReads(mine);
      const cache = new StreamStateCache();
      await executeOnStream(store, cache, STREAM, TAGS, add('a'), META);
      await theirs.append(STREAM, [{ type: 'tag.added', data: { tag: 'b' } }], { expectedRevision: 0 });
      const readsBefore = reads();

      const loaded = await loadStream(store, cache, STREAM, TAGS, 0);

      expect(reads()).toBe(readsBefore);
      expect({ revision: loaded.revision, tags: [...loaded.state] }).toEqual({ revision: 0, tags: ['a'] });
    });

    it('given a cached state behind that revision, then the events since are read', async () => {
      const cache = new StreamStateCache();
      await executeOnStream(mine, cache, STREAM, TAGS, add('a'), META);
      await theirs.append(STREAM, [{ type: 'tag.added', data: { tag: 'b' } }], { expectedRevision: 0 });

      const loaded = await loadStream(mine, cache, STREAM, TAGS, 1);

      expect({ revision: loaded.revision, tags: [...loaded.state] }).toEqual({ revision: 1, tags: ['a', 'b'] });
    });

    it('given no revision asked for, then a cached state is brought up to date', async () => {
      const cache = new StreamStateCache();
      await executeOnStream(mine, cache, STREAM, TAGS, add('a'), META);
      await theirs.append(STREAM, [{ type: 'tag.added', data: { tag: 'b' } }], { expectedRevision: 0 });

      const loaded = await loadStream(mine, cache, STREAM, TAGS);

      expect({ revision: loaded.revision, tags: [...loaded.state] }).toEqual({ revision: 1, tags: ['a', 'b'] });
    });
  });
});

import { collectionName, databaseInUrl, indexSpecs, keysetFilter, toMongoFind } from './mongo-query';

describe('Mongo read store query translation', () => {
  describe('where', () => {
    it('translates equality, booleans, lists and ranges, storing `id` as `_id`', () =>
      expect(toMongoFind({ where: { id: 'a', kind: 'x', active: false, env: { in: ['dev', 'prod'] }, rank: { gte: 2, lt: 4 } } }).filter).toEqual({
        _id: 'a',
        kind: 'x',
        active: false,
        env: { $in: ['dev', 'prod'] },
        rank: { $gte: 2, $lt: 4 },
      }));

    it('keeps equality to null, which Mongo also matches on a missing field (as SQL IS NULL on json_extract)', () =>
      expect(toMongoFind({ where: { note: null } }).filter).toEqual({ note: null }));

    it('passes an empty list on (it matches nothing) and drops a range without bounds (it constrains nothing)', () =>
      expect(toMongoFind({ where: { kind: { in: [] }, rank: {} } }).filter).toEqual({ kind: { $in: [] } }));
  });

  describe('orderBy and limit', () => {
    it('sorts in the given order and directions', () =>
      expect(toMongoFind({ orderBy: [['rank', 'desc'], ['id', 'asc']], limit: 2 }).options).toEqual({ sort: [['rank', -1], ['_id', 1]], limit: 2 }));

    it('sets no sort or limit when none is asked for, nor for a negative limit (SQLite: no limit)', () => {
      expect(toMongoFind({}).options).toEqual({});
      expect(toMongoFind({ limit: -1 }).options).toEqual({});
    });

    it('matches nothing for limit 0, which Mongo would read as "no limit"', () =>
      expect(toMongoFind({ where: { kind: 'x' }, limit: 0 })).toEqual({ filter: { _id: { $in: [] } }, options: {} }));
  });

  describe('keyset paging', () => {
    it('pages past the last row: strictly beyond on the first key, or equal on it and beyond on the next', () =>
      expect(keysetFilter([['rank', 'desc'], ['id', 'asc']], [2, 'a'])).toEqual({
        $or: [{ $or: [{ rank: { $lt: 2 } }, { rank: null }] }, { $and: [{ rank: 2 }, { _id: { $gt: 'a' } }] }],
      }));

    it('treats null as the lowest value: everything non-null is beyond it ascending, nothing descending', () => {
      expect(keysetFilter([['note', 'asc'], ['id', 'asc']], [null, 'a'])).toEqual({
        $or: [{ note: { $ne: null } }, { $and: [{ note: null }, { _id: { $gt: 'a' } }] }],
      });
      expect(keysetFilter([['note', 'desc'], ['id', 'desc']], [null, 'a'])).toEqual({
        $or: [{ $and: [{ note: null }, { $or: [{ _id: { $lt: 'a' } }, { _id: null }] }] }],
      });
    });

    it('matches nothing when no row can sort after the last one', () =>
      expect(keysetFilter([['note', 'desc']], [null])).toEqual({ _id: { $in: [] } }));

    it('combines with the where conditions, and needs an orderBy', () => {
      expect(toMongoFind({ where: { kind: 'x' }, orderBy: [['id', 'asc']], after: ['c'] }).filter).toEqual({ kind: 'x', $or: [{ _id: { $gt: 'c' } }] });
      expect(toMongoFind({ where: { kind: 'x' }, after: ['c'] }).filter).toEqual({ kind: 'x' });
    });
  });

  describe('names', () => {
    it('prefixes collections with rm_ and rejects anything but identifiers in collection and field names', () => {
      expect(collectionName('deployments')).toBe('rm_deployments');
      expect(() => collectionName('system.users')).toThrow('Invalid collection name for the read store: system.users');
      expect(() => toMongoFind({ where: { $where: 'sleep(1000)' } })).toThrow('Invalid field name');
      expect(() => toMongoFind({ orderBy: [['a.b', 'asc']] })).toThrow('Invalid field name');
      expect(() => indexSpecs({ name: 'things', indexes: [['1st']] })).toThrow('Invalid field name');
    });

    it('takes the database from the connection string path, if it has one', () => {
      expect(databaseInUrl('mongodb://user:p%40ss@h1:27017,h2:27017/ledger?replicaSet=rs0')).toBe('ledger');
      expect(databaseInUrl('mongodb+srv://cluster.example.net/my%20db')).toBe('my db');
      expect(databaseInUrl('mongodb://localhost:27017/?replicaSet=rs0')).toBeNull();
      expect(databaseInUrl('mongodb://localhost:27017')).toBeNull();
    });
  });

  describe('indexes', () => {
    it('declares one ascending compound index per field list, named after its fields, once each', () =>
      expect(indexSpecs({ name: 'things', indexes: [['kind', 'rank', 'id'], ['rank', 'id'], ['kind', 'rank', 'id']] })).toEqual([
        { name: 'kind__rank__id', key: { kind: 1, rank: 1, _id: 1 } },
        { name: 'rank__id', key: { rank: 1, _id: 1 } },
      ]));

    it('keeps the key order of the declaration', () =>
      expect(Object.keys(indexSpecs({ name: 't', indexes: [['z', 'a', 'id']] })[0]!.key)).toEqual(['z', 'a', '_id']));

    it('skips `id` alone and empty lists: `_id` has its own index', () => expect(indexSpecs({ name: 'things', indexes: [['id'], []] })).toEqual([]));
  });
});

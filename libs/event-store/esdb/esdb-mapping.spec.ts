import type { RecordedEvent } from '../event-store.port';
import { eventHash, GENESIS_HASH } from '../hash-chain';
import { checkpointStream, domainStreamRegex, esdbEventId, EsdbMappingError, fromEsdbEvent, idempotencyStream, isDomainStream, searchPredicate, toEsdbEvent, type EsdbRecorded } from './esdb-mapping';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const recorded = (overrides: Partial<RecordedEvent> = {}): RecordedEvent => {
  const unhashed = {
    id: 'deploy-req-42',
    type: 'deployment.started',
    stream: 'lane-api@prod',
    revision: 3,
    occurredAt: '2026-11-23T10:00:00.000Z',
    recordedAt: '2026-11-23T10:00:01.000Z',
    schemaVersion: 2,
    data: { version: '1.2.3', nested: { list: [1, 2] } },
    metadata: { actor: { kind: 'token' as const, id: 'tok-1', name: 'ci' }, correlationId: 'corr-1', causationId: 'cause-1', idempotencyKey: 'key-1' },
  };
  const hash = eventHash(GENESIS_HASH, unhashed);
  return { ...unhashed, position: 0, metadata: { ...unhashed.metadata, prevHash: GENESIS_HASH, hash }, ...overrides };
};

/** What the driver hands back for an event written from `toEsdbEvent(event)`. */
const asStored = (event: RecordedEvent, namespace: string, commit: bigint): EsdbRecorded => {
  const written = toEsdbEvent(event);
  return { streamId: `${namespace}${event.stream}`, id: written.id, revision: BigInt(event.revision), type: written.type, data: written.data, metadata: written.metadata, position: { commit, prepare: commit } };
};

describe('EventStoreDB mapping', () => {
  describe('event ids', () => {
    it('keeps UUIDs (lower-cased) and maps any other id to a stable UUID', () => {
      expect(esdbEventId('0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B')).toBe('0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
      const mapped = esdbEventId('deploy-req-42');
      expect(mapped).toMatch(UUID);
      expect(mapped[14]).toBe('8');
      expect(esdbEventId('deploy-req-42')).toBe(mapped);
      expect(esdbEventId('deploy-req-43')).not.toBe(mapped);
    });
  });

  describe('envelope round trip', () => {
    it('restores every envelope field, hashes included, from what ESDB stores', () => {
      const event = recorded();
      const back = fromEsdbEvent(asStored(event, 'ns-', 4096n), 'ns-');
      expect(back).toEqual({ ...event, position: 4096 });
    });

    it("writes ESDB's own correlation metadata and JSON content", () => {
      const written = toEsdbEvent(recorded());
      expect(written).toMatchObject({ contentType: 'application/json', type: 'deployment.started', metadata: { $correlationId: 'corr-1', $causationId: 'cause-1' } });
      expect(written.id).toMatch(UUID);
    });

    it('refuses events without a $all position (servers before 22.10) and events not written by Shiplog', () => {
      const stored = asStored(recorded(), '', 1n);
      expect(() => fromEsdbEvent({ ...stored, position: undefined }, '')).toThrow(EsdbMappingError);
      expect(() => fromEsdbEvent({ ...stored, position: { commit: 2n ** 64n - 1n, prepare: 0n } }, '')).toThrow(/22\.10/);
      expect(() => fromEsdbEvent({ ...stored, metadata: { some: 'thing' } }, '')).toThrow(/not written by Shiplog/);
    });
  });

  describe('stream filter', () => {
    it('passes domain streams of the namespace, not system, bookkeeping or other namespaces', () => {
      expect(isDomainStream('lane-api@prod', '')).toBe(true);
      expect(isDomainStream('$stats-127.0.0.1:2113', '')).toBe(false);
      expect(isDomainStream(checkpointStream('', 'projection-x'), '')).toBe(false);
      expect(isDomainStream(idempotencyStream('', 'key'), '')).toBe(false);
      expect(isDomainStream('a1-lane-api@prod', 'a1-')).toBe(true);
      expect(isDomainStream('b2-lane-api@prod', 'a1-')).toBe(false);
      expect(isDomainStream(checkpointStream('a1-', 'p'), 'a1-')).toBe(false);
    });

    it('escapes regex characters of the namespace', () => {
      expect(domainStreamRegex('a.b-')).toBe('^a\\.b-(?!\\$)(?!shiplog-internal-)');
      expect(isDomainStream('axb-s', 'a.b-')).toBe(false);
    });
  });

  describe('audit search predicate', () => {
    const event = recorded({ position: 10 });
    it('matches like the SQLite store: globs, types, prefixes, actor, time range, after position', () => {
      expect(searchPredicate({ limit: 1 })(event)).toBe(true);
      expect(searchPredicate({ streamGlobs: ['lane-*@prod'], limit: 1 })(event)).toBe(true);
      expect(searchPredicate({ streamGlobs: ['lane-?pi@prod'], limit: 1 })(event)).toBe(true);
      expect(searchPredicate({ streamGlobs: ['lane-*@staging', 'build-*'], limit: 1 })(event)).toBe(false);
      expect(searchPredicate({ streamGlobs: ['LANE-*'], limit: 1 })(event)).toBe(false);
      expect(searchPredicate({ types: ['deployment.failed'], typePrefixes: ['deployment.'], limit: 1 })(event)).toBe(true);
      expect(searchPredicate({ types: ['deployment.failed'], limit: 1 })(event)).toBe(false);
      expect(searchPredicate({ actor: 'ci', limit: 1 })(event)).toBe(true);
      expect(searchPredicate({ actor: 'tok-1', limit: 1 })(event)).toBe(true);
      expect(searchPredicate({ actor: 'someone', limit: 1 })(event)).toBe(false);
      expect(searchPredicate({ recordedFrom: '2026-11-23T10:00:01.000Z', recordedBefore: '2026-11-23T10:00:02.000Z', limit: 1 })(event)).toBe(true);
      expect(searchPredicate({ recordedBefore: '2026-11-23T10:00:01.000Z', limit: 1 })(event)).toBe(false);
      expect(searchPredicate({ afterPosition: 10, limit: 1 })(event)).toBe(false);
    });
  });
});

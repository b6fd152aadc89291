import type { RecordedEvent } from './event-store.port';
import { GENESIS_HASH, eventHash, verifyChain } from './hash-chain';

/** Builds a correctly chained stream the way the store does, to tamper with it in the tests. */
const chain = (stream: string, types: string[], startPosition = 1): RecordedEvent[] => {
  let prevHash = GENESIS_HASH;
  return types.map((type, revision) => {
    const fields = {
      id: `${stream}-${revision}`,
      type,
      stream,
      revision,
      occurredAt: '2026-11-23T10:00:00.000Z',
      recordedAt: '2026-11-23T10:00:00.000Z',
      schemaVersion: 1,
      data: { n: revision },
      metadata: { actor: { kind: 'system' as const, id: 'system', name: 'system' }, correlationId: 'c' },
    };
    const hash = eventHash(prevHash, fields);
    const event = { ...fields, position: startPosition + revision, metadata: { ...fields.metadata, prevHash, hash } };
    prevHash = hash;
    return event;
  });
};

describe('eventHash', () => {
  it('is the SHA-256 of the previous hash then the canonical JSON, as chains already stored were hashed', () => {
    const event = {
      id: '01a20a7d-4aca-7005-84c1-48e3f51662a3',
      type: 'deployment.completed',
      stream: 'lane-api@production',
      revision: 3,
      occurredAt: '2026-11-23T10:00:00.000Z',
      recordedAt: '2026-11-23T10:00:01.000Z',
      schemaVersion: 1,
      data: { deployment_id: 'd-1', product: 'api', environment: 'production', version: '1.2.3', extra_metadata: { b: 1, a: [{ y: 2, x: 1 }] } },
      metadata: { actor: { kind: 'token' as const, id: 't-1', name: 'ci' }, correlationId: 'c-1' },
    };
    // Computed once with createHash('sha256').update(prevHash).update(JSON of a key-sorted copy).
    expect(eventHash(GENESIS_HASH, event)).toBe('fa01f538c8b561ce4222e108db9f4685a4e863c1977060151d1ebc9e2497ca5f');
  });
});

describe('hash chain verification', () => {
  it('accepts intact interleaved streams', () => {
    const [a, b] = [chain('s-a', ['x', 'y', 'z']), chain('s-b', ['x', 'y'], 10)];
    expect(verifyChain([a[0]!, b[0]!, a[1]!, b[1]!, a[2]!])).toBeNull();
  });

  it('names the stream and revision of an altered payload', () => {
    const events = chain('s-a', ['x', 'y', 'z']);
    events[1] = { ...events[1]!, data: { n: 42 } };
    expect(verifyChain(events)).toEqual({ stream: 's-a', revision: 1, reason: 'content does not match its hash' });
  });

  it('detects a removed event', () => {
    const events = chain('s-a', ['x', 'y', 'z']);
    expect(verifyChain([events[0]!, events[2]!])).toMatchObject({ stream: 's-a', revision: 2 });
  });

  it('detects reordered events', () => {
    const events = chain('s-a', ['x', 'y', 'z']);
    expect(verifyChain([events[0]!, events[2]!, events[1]!])).toMatchObject({ stream: 's-a', revision: 2 });
  });

  it('detects an altered actor (metadata is covered too)', () => {
    const events = chain('s-a', ['x']);
    events[0] = { ...events[0]!, metadata: { ...events[0]!.metadata, actor: { kind: 'token', id: 't', name: 'mallory' } } };
    expect(verifyChain(events)).toMatchObject({ revision: 0, reason: 'content does not match its hash' });
  });

  it('does not depend on key order or global positions', () => {
    const [event] = chain('s-a', ['x']);
    const reordered = { ...(Object.fromEntries(Object.entries(event!).reverse()) as unknown as RecordedEvent), position: 999 };
    expect(verifyChain([reordered])).toBeNull();
  });
});

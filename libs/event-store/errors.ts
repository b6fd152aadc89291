import type { ExpectedRevision } from './event-store.port';

export class WrongExpectedRevision extends Error {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number,
  ) {
    super(`Stream ${stream} is at revision ${actual}, expected ${String(expected)}`);
    this.name = 'WrongExpectedRevision';
  }
}

/** Some but not all event ids of an append were stored before: a client reused ids across different appends. */
export class PartialDuplicateAppend extends Error {
  constructor(readonly stream: string, readonly ids: readonly string[]) {
    super(`Append to ${stream} mixes new events with already stored ids: ${ids.join(', ')}`);
    this.name = 'PartialDuplicateAppend';
  }
}

export class EventStoreClosed extends Error {
  constructor() {
    super('The event store is closed');
    this.name = 'EventStoreClosed';
  }
}

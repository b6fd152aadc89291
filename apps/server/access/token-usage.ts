import type { ReadStore } from '../../../libs/read-models/read-store.port';

const USAGE = { name: 'token-usage', version: 1, collections: [{ name: 'token_usage', indexes: [] }] };

/**
 * When each token was last used. Kept in memory on the request path and written to the read-model database
 * at most every `flushMs` (and on shutdown): per-request writes would cost an fsync per call for a timestamp.
 */
export class TokenUsage {
  private readonly lastUsed = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly readStore: ReadStore,
    private readonly flushMs = 30_000,
  ) {}

  async start(): Promise<void> {
    await this.readStore.prepare(USAGE);
    for (const row of await this.readStore.find<{ id: string; last_used_at: string }>('token_usage')) this.lastUsed.set(row.id, row.last_used_at);
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  touch(tokenId: string, at: Date): void {
    this.lastUsed.set(tokenId, at.toISOString());
    this.dirty.add(tokenId);
  }

  get(tokenId: string): string | null {
    return this.lastUsed.get(tokenId) ?? null;
  }

  async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    await this.readStore.commit(USAGE.name, { from: 0, to: 0 }, async (tx) => {
      for (const id of ids) tx.put('token_usage', { id, last_used_at: this.lastUsed.get(id)! });
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}

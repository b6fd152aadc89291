import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { artifactsToDelete, type ArtifactEvent } from '../../domain/artifacts/artifacts';
import { buildStream } from '../../domain/builds/build.events';
import { DomainError } from '../../domain/shared/domain-error';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import type { EventStore } from '../../event-store/event-store.port';
import { ARTIFACTS, type ArtifactView } from '../../read-models/artifacts/artifacts.projection';
import type { ReadStore } from '../../read-models/read-store.port';
import type { CatalogRegistrar } from '../catalog/catalog.registrar';
import type { CommandMeta } from '../shared/command-meta';

export class ArtifactTooLarge extends DomainError {
  readonly code = 'artifact-too-large';
  constructor(limit: number) {
    super(`The artifact exceeds the ${limit}-byte limit (SHIPLOG_ARTIFACT_MAX_BYTES).`, [{ field: 'body', message: `larger than ${limit} bytes` }]);
  }
}

export class ArtifactNotFound extends DomainError {
  readonly code = 'artifact-not-found';
  constructor(id: string) {
    super(`No artifact ${id}.`, [{ field: 'id', message: 'unknown artifact' }]);
  }
}

/**
 * Artifacts in a content-addressed blob store under the data dir (`artifacts/sha256/ab/<hash>`): an upload is
 * streamed to a temporary file while hashed and counted, then moved into place; equal content is stored once.
 */
export class ArtifactsService {
  constructor(
    private readonly root: string,
    private readonly store: EventStore,
    private readonly readStore: ReadStore,
    private readonly catalog: CatalogRegistrar,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly limits: { maxBytes: number; keepVersions: number },
  ) {
    mkdirSync(join(root, 'tmp'), { recursive: true });
  }

  private blob(sha256: string): string {
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  async upload(input: { product: string; version: string; name: string; contentType: string }, body: Readable, meta: CommandMeta): Promise<ArtifactView> {
    const temporary = join(this.root, 'tmp', randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const limit = this.limits.maxBytes;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > limit) return done(new ArtifactTooLarge(limit));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(temporary, { mode: 0o600 }));
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    const sha256 = hash.digest('hex');
    const target = this.blob(sha256);
    mkdirSync(join(this.root, 'sha256', sha256.slice(0, 2)), { recursive: true });
    if (existsSync(target)) rmSync(temporary);
    else renameSync(temporary, target);
    await this.catalog.ensure([{ type: 'RegisterProduct', data: { name: input.product } }], meta);
    const artifactId = this.ids.next();
    const event: ArtifactEvent = {
      type: 'artifact.stored',
      data: { artifact_id: artifactId, product: input.product, version: input.version, name: input.name, sha256, size, content_type: input.contentType, stored_at: this.clock.now().toISOString() },
    };
    await this.store.append(buildStream(input.product, input.version), [event], { expectedRevision: 'any', ...meta });
    const { artifact_id: _id, ...facts } = event.data;
    return { id: artifactId, ...facts, stored_by: meta.actor.name, deleted_at: null };
  }

  list(filter: { product?: string; version?: string }): Promise<ArtifactView[]> {
    const where = { deleted_at: null, ...(filter.product ? { product: filter.product } : {}), ...(filter.version ? { version: filter.version } : {}) };
    return this.readStore.find<ArtifactView>(ARTIFACTS, { where, orderBy: [['stored_at', 'desc'], ['id', 'desc']] });
  }

  async get(id: string): Promise<ArtifactView> {
    const artifact = await this.readStore.get<ArtifactView>(ARTIFACTS, id);
    if (!artifact || artifact.deleted_at) throw new ArtifactNotFound(id);
    return artifact;
  }

  async open(id: string): Promise<{ artifact: ArtifactView; content: ReadStream }> {
    const artifact = await this.get(id);
    return { artifact, content: createReadStream(this.blob(artifact.sha256)) };
  }

  /** Applies retention; `deployed` holds `product@version` of what runs anywhere. A dry run deletes nothing. */
  async cleanup(deployed: ReadonlySet<string>, dryRun: boolean, meta: CommandMeta): Promise<ArtifactView[]> {
    const active = await this.list({});
    const doomed = new Set(artifactsToDelete(active.map((a) => ({ artifact_id: a.id, product: a.product, version: a.version, stored_at: a.stored_at })), this.limits.keepVersions, deployed).map((a) => a.artifact_id));
    const deleted = active.filter((a) => doomed.has(a.id));
    if (dryRun) return deleted;
    for (const artifact of deleted) {
      await this.store.append(
        buildStream(artifact.product, artifact.version),
        [{ type: 'artifact.deleted', data: { artifact_id: artifact.id, product: artifact.product, version: artifact.version, sha256: artifact.sha256, reason: 'retention', deleted_at: this.clock.now().toISOString() } }],
        { expectedRevision: 'any', ...meta },
      );
    }
    const stillUsed = new Set(active.filter((a) => !doomed.has(a.id)).map((a) => a.sha256));
    for (const sha of new Set(deleted.map((a) => a.sha256))) if (!stillUsed.has(sha)) rmSync(this.blob(sha), { force: true });
    return deleted;
  }
}

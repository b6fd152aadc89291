import { parse as parseYaml, YAMLParseError } from 'yaml';
import {
  decideGitOps,
  evolveGitOps,
  gitopsStream,
  GitOpsSourceNotFound,
  initialGitOpsState,
  InvalidGitOpsSource,
  parseSource,
  RepositoryUnreadable,
  type AppliedChange,
  type GitCredentials,
  type GitOpsCommand,
  type GitOpsSource,
  type GitOpsState,
  type SourceInput,
  type SyncTrigger,
} from '../../domain/gitops/gitops';
import { duplicateDeclarations, InvalidManifest, planChanges, validateManifest, type Change, type LaneSnapshot, type Manifest } from '../../domain/gitops/manifests';
import type { FieldError } from '../../domain/shared/domain-error';
import { DomainError } from '../../domain/shared/domain-error';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import type { EventStore } from '../../event-store/event-store.port';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, loadStream, StreamStateCache } from '../shared/stream-command';
import type { GitRepositories } from './git-repository';
import { GitReadError } from './git-repository';

const GITOPS = { initialState: initialGitOpsState, evolve: evolveGitOps };

export type SourceView = GitOpsSource & { last_commit: string | null; last_outcome: 'synced' | 'failed' | null; last_at: string | null; unsettled: boolean };
/** Seed 004 SyncResult: the commit, the changes applied (each with its deployment or refusal), drift left alone, errors. */
export type SyncResult = { source_id: string; commit: string; changes: AppliedChange[]; drift: Change[]; errors: string[] };

export type GitOpsDeps = {
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  repositories: GitRepositories;
  lanes: { load(product: string, environment: string): Promise<{ state: { current: { version: string } | null; pinned: { version: string } | null; inFlight: { version: string } | null } }> };
  /** Requests a deployment through the ordinary deploy command (every policy applies); resolves with its id. */
  deploy: (change: Change, reason: string, meta: CommandMeta) => Promise<string | null>;
  /** The token of https credentials (a secret variable), decrypted. */
  password: (credentials: GitCredentials) => Promise<string | null>;
};

/**
 * GitOps (seed 004 GitOpsSynchronizer): sources on `gitops-{id}` streams; `diff` compares the manifests at the
 * branch head with what runs; `sync` requests the deployments that close the gap and records `gitops.synced`.
 */
export class GitOpsService {
  private readonly cache = new StreamStateCache(1_000);
  private readonly known = new Set<string>();
  private scannedTo = 0;
  /** One repository operation per source at a time: diff, sync and the watcher share its fetch cache. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: GitOpsDeps) {}

  async add(input: SourceInput, meta: CommandMeta): Promise<SourceView> {
    const parsed = parseSource(input);
    if (!parsed.ok) throw new InvalidGitOpsSource(parsed.errors);
    const source: GitOpsSource = { ...parsed.source, source_id: this.deps.ids.next(), added_by: meta.actor.name, added_at: this.deps.clock.now().toISOString() };
    const outcome = await this.execute(source.source_id, { type: 'AddSource', data: source }, { ...meta, request: input });
    // A retry with the same idempotency key answers the source the first request added.
    const added = outcome.kind === 'appended' ? outcome.events.find((e) => e.type === 'gitops.source_added') : undefined;
    return this.view(added?.type === 'gitops.source_added' ? added.data.source_id : source.source_id);
  }

  async remove(sourceId: string, meta: CommandMeta): Promise<void> {
    await this.execute(sourceId, { type: 'RemoveSource', data: { source_id: sourceId, removed_by: meta.actor.name } }, meta);
  }

  /** Sources in the order they were added (removed ones left out). */
  async list(): Promise<SourceView[]> {
    const views = await Promise.all([...(await this.sourceIds())].map((id) => this.view(id).catch(() => null)));
    return views.filter((v): v is SourceView => v !== null);
  }

  /**
   * Every source id ever added. The watcher asks every second: only the events appended since the last call are
   * searched (a position range), never the whole store again (no index on event types).
   */
  private async sourceIds(): Promise<ReadonlySet<string>> {
    const head = await this.deps.store.headPosition();
    if (head > this.scannedTo) {
      for (let after = this.scannedTo; ; ) {
        const added = await this.deps.store.searchEvents({ types: ['gitops.source_added'], afterPosition: after, limit: 1_000 });
        for (const event of added) this.known.add((event.data as GitOpsSource).source_id);
        if (added.length < 1_000) break;
        after = added[added.length - 1]!.position;
      }
      this.scannedTo = head;
    }
    return this.known;
  }

  async view(sourceId: string): Promise<SourceView> {
    const state = await this.state(sourceId);
    if (!state.source || state.removed) throw new GitOpsSourceNotFound(sourceId);
    return { ...state.source, last_commit: state.last_commit, last_outcome: state.last_outcome, last_at: state.last_at, unsettled: state.unsettled };
  }

  /** Seed 004 `get_diff()`: what differs between the branch head and the environments. */
  diff(sourceId: string): Promise<{ source_id: string; commit: string; changes: Change[] }> {
    return this.exclusive(sourceId, async () => {
      const source = await this.view(sourceId);
      const { commit, manifests } = await this.desired(source);
      return { source_id: sourceId, commit, changes: await this.plan(manifests) };
    });
  }

  /** The head of a source's branch, as the watcher sees it (serialized with the source's diffs and syncs). */
  headOf(sourceId: string): Promise<string> {
    return this.exclusive(sourceId, async () => this.head(await this.view(sourceId)));
  }

  private exclusive<T>(sourceId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(sourceId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(sourceId, settled);
    void settled.then(() => this.locks.get(sourceId) === settled && this.locks.delete(sourceId));
    return next;
  }

  /** Current head of the source's branch (the watcher compares it with the last synced commit). */
  private async head(source: GitOpsSource): Promise<string> {
    let password: string | null = null;
    try {
      password = source.credentials ? await this.deps.password(source.credentials) : null;
    } catch {
      throw new RepositoryUnreadable(source.repo_url, `the token in ${source.credentials!.environment}/${source.credentials!.variable} could not be read`);
    }
    try {
      return await this.deps.repositories.head(source, password);
    } catch (error) {
      if (error instanceof GitReadError) throw new RepositoryUnreadable(source.repo_url, error.message);
      throw error;
    }
  }

  /**
   * Seed 004 `sync()`. An unreadable repository or an invalid manifest deploys nothing and is recorded as
   * `gitops.sync_failed` (then thrown: 422 with every offending field). Pinned lanes are drift, never deployed.
   */
  sync(sourceId: string, trigger: SyncTrigger, meta: CommandMeta): Promise<SyncResult> {
    return this.exclusive(sourceId, () => this.syncNow(sourceId, trigger, meta));
  }

  private async syncNow(sourceId: string, trigger: SyncTrigger, meta: CommandMeta): Promise<SyncResult> {
    const source = await this.view(sourceId);
    let desired: { commit: string; manifests: Manifest[] };
    try {
      desired = await this.desired(source);
    } catch (error) {
      if (!(error instanceof InvalidManifest || error instanceof RepositoryUnreadable)) throw error;
      const commit = error instanceof InvalidManifest ? error.commit : null;
      await this.execute(sourceId, { type: 'RecordSyncFailure', data: { source_id: sourceId, commit, trigger, errors: [...error.errors] } }, meta);
      throw error;
    }
    const { commit, manifests } = desired;
    const changes = await this.plan(manifests);
    const applied: AppliedChange[] = [];
    for (const change of changes.filter((c) => c.action === 'deploy')) {
      const reason = `GitOps ${source.repo_url}@${commit.slice(0, 7)} (${change.file})`;
      // A watcher retrying the same commit must not request the same deployment twice; an operator's sync may
      // (a retried HTTP request with an Idempotency-Key gets one key per lane).
      const lane = `${change.product}@${change.environment}`;
      const { idempotencyKey, ...rest } = meta;
      const key = trigger === 'watch' ? `gitops:${sourceId}:${commit}:${lane}` : idempotencyKey ? `${idempotencyKey}:${lane}` : undefined;
      try {
        applied.push({ ...change, deployment_id: await this.deps.deploy(change, reason, key ? { ...rest, idempotencyKey: key } : rest), error: null });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        applied.push({ ...change, deployment_id: null, error: error.detail });
      }
    }
    const drift = changes.filter((c) => c.action !== 'deploy');
    // The watcher retrying a commit whose lanes are still behind records only a retry that deployed something.
    const idleRetry = trigger === 'watch' && commit === source.last_commit && applied.every((c) => c.deployment_id === null);
    if (!idleRetry) await this.execute(sourceId, { type: 'RecordSync', data: { source_id: sourceId, commit, trigger, changes: applied, drift } }, meta);
    return { source_id: sourceId, commit, changes: applied, drift, errors: applied.flatMap((c) => (c.error ? [`${c.product} ${c.desired} → ${c.environment}: ${c.error}`] : [])) };
  }

  state(sourceId: string): Promise<GitOpsState> {
    return loadStream(this.deps.store, this.cache, gitopsStream(sourceId), GITOPS).then((loaded) => loaded.state);
  }

  private async desired(source: GitOpsSource): Promise<{ commit: string; manifests: Manifest[] }> {
    const commit = await this.head(source);
    const files = await this.deps.repositories.manifests(source, commit).catch((error: unknown) => {
      throw new RepositoryUnreadable(source.repo_url, `cannot read ${source.path} at ${commit.slice(0, 7)}: ${error instanceof Error ? error.message : String(error)}`);
    });
    const errors: FieldError[] = [];
    const manifests: Manifest[] = [];
    if (files.length === 0) errors.push({ field: source.path, message: 'no manifest (*.yaml, *.yml) under this path', accepted: ['environment: <name>\nproducts: {<product>: "<version>"}'] });
    for (const { file, text } of files) {
      let document: unknown;
      try {
        document = parseYaml(text);
      } catch (error) {
        errors.push({ field: file, message: error instanceof YAMLParseError ? `not valid YAML: ${error.message.split('\n')[0]}` : 'not valid YAML' });
        continue;
      }
      const checked = validateManifest(document, file);
      if (checked.ok) manifests.push(checked.manifest);
      else errors.push(...checked.errors);
    }
    errors.push(...duplicateDeclarations(manifests));
    if (errors.length > 0) throw new InvalidManifest(commit, errors);
    return { commit, manifests };
  }

  private async plan(manifests: Manifest[]): Promise<Change[]> {
    const lanes = new Map<string, LaneSnapshot>();
    for (const manifest of manifests) {
      for (const product of Object.keys(manifest.products)) {
        const { state } = await this.deps.lanes.load(product, manifest.environment);
        lanes.set(`${product}@${manifest.environment}`, { current: state.current?.version ?? null, pinned: state.pinned?.version ?? null, in_flight: state.inFlight?.version ?? null });
      }
    }
    return planChanges(manifests, (product, environment) => lanes.get(`${product}@${environment}`)!);
  }

  private execute(sourceId: string, command: GitOpsCommand, meta: CommandMeta & { request?: unknown }) {
    return executeOnStream(this.deps.store, this.cache, gitopsStream(sourceId), GITOPS, (state) => decideGitOps(command, state, this.deps.clock.now()), { request: command, ...meta });
  }
}

import { specFor } from '../../testing/given-when-then';
import { decideGitOps, evolveGitOps, GitOpsSourceNotFound, initialGitOpsState, parseSource, type GitOpsCommand, type GitOpsEvent, type GitOpsSource } from './gitops';
import { duplicateDeclarations, planChanges, validateManifest, type LaneSnapshot, type Manifest } from './manifests';

const NOW = '2026-11-23T10:00:00.000Z';
const given = specFor<GitOpsCommand, GitOpsEvent, typeof initialGitOpsState, Date>({ decide: decideGitOps, evolve: evolveGitOps, initialState: initialGitOpsState }, () => new Date(NOW));
const source: GitOpsSource = { source_id: 's-1', repo_url: 'file:///repo', branch: 'main', path: '/', interval_seconds: 180, credentials: null, added_by: 'alice', added_at: NOW };
const added: GitOpsEvent = { type: 'gitops.source_added', data: source };
const failureData = (commit: string, trigger: 'manual' | 'watch') => ({ source_id: 's-1', commit, trigger, errors: [{ field: 'x.yaml: environment', message: 'required' }] });
const failure = (commit: string, trigger: 'manual' | 'watch'): GitOpsCommand => ({ type: 'RecordSyncFailure', data: failureData(commit, trigger) });
const failed = (commit: string, trigger: 'manual' | 'watch'): GitOpsEvent => ({ type: 'gitops.sync_failed', data: { ...failureData(commit, trigger), failed_at: NOW } });

describe('GitOps sources', () => {
  it('fills in seed 004 defaults: branch main, path /, and polls every 180 s', () => {
    expect(parseSource({ repo_url: 'https://git.example.com/acme/deploy.git' })).toEqual({
      ok: true,
      source: { repo_url: 'https://git.example.com/acme/deploy.git', branch: 'main', path: '/', interval_seconds: 180, credentials: null },
    });
    expect(parseSource({ repo_url: 'file:///srv/deploy', path: '/envs/', interval: 30 })).toMatchObject({ ok: true, source: { path: '/envs', interval_seconds: 30 } });
  });

  it('names every bad field with what it accepts', () => {
    const parsed = parseSource({ repo_url: 'git@github.com:acme/x.git', branch: 'a..b', path: '/../etc', interval: 'often', credentials: { environment: 'production', variable: 'GIT_TOKEN', extra: 1 } });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.field)).toEqual(['repo_url', 'branch', 'path', 'interval', 'credentials.extra']);
    expect(parsed.errors[0]!.accepted).toEqual(['file:///path/to/repo', 'https://host/org/repo.git']);
    expect(parseSource({ repo_url: 'http://git.example.com/x.git', credentials: { environment: 'production', variable: 'GIT_TOKEN' } })).toMatchObject({ ok: false, errors: [{ field: 'credentials' }] });
    const local = parseSource({ repo_url: 'file:///srv/deploy', credentials: { environment: 'production', variable: 'GIT_TOKEN' } });
    expect(local).toEqual({ ok: false, errors: [{ field: 'credentials', message: 'only https:// sources take credentials' }] });
  });

  it('records syncs of a live source only', () => {
    given().when({ type: 'RecordSync', data: { source_id: 's-1', commit: 'abc', trigger: 'manual', changes: [], drift: [] } }).thenFails(GitOpsSourceNotFound);
    const removed: GitOpsEvent = { type: 'gitops.source_removed', data: { source_id: 's-1', removed_by: 'alice', removed_at: NOW } };
    given(added, removed).when({ type: 'RemoveSource', data: { source_id: 's-1', removed_by: 'bob' } }).thenFails(GitOpsSourceNotFound);
    given(added).when({ type: 'AddSource', data: source }).thenNothing();
  });

  it('records the watcher failing on the same commit once, an operator every time', () => {
    given(added).when(failure('abc', 'watch')).thenEmits(failed('abc', 'watch'));
    given(added, failed('abc', 'watch')).when(failure('abc', 'watch')).thenNothing();
    given(added, failed('abc', 'watch')).when(failure('abc', 'manual')).thenEmits(failed('abc', 'manual'));
    given(added, failed('abc', 'watch')).when(failure('def', 'watch')).thenEmits(failed('def', 'watch'));
  });
});

describe('manifests', () => {
  it('accepts environment + products of quoted versions', () => {
    expect(validateManifest({ environment: 'production', products: { api: '1.2.3', web: '2.1.0' } }, 'prod.yaml')).toEqual({
      ok: true,
      manifest: { file: 'prod.yaml', environment: 'production', products: { api: '1.2.3', web: '2.1.0' } },
    });
  });

  it('refuses what YAML made a number, unknown keys, bad names and a missing environment', () => {
    const checked = validateManifest({ products: { api: 1.1, 'no spaces': '1' }, replicas: 3 }, 'x.yaml');
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.errors.map((e) => `${e.field}: ${e.message}`)).toEqual([
      'x.yaml: replicas: unknown key',
      'x.yaml: environment: required',
      'x.yaml: products.api: 1.1 is a number; quote the version ("1.1")',
      'x.yaml: products.no spaces: "no spaces" is not a valid product name',
    ]);
    expect(validateManifest(['a'], 'y.yaml')).toMatchObject({ ok: false, errors: [{ field: 'y.yaml: (document)' }] });
  });

  it('names both files when a product and environment are declared twice', () => {
    const a: Manifest = { file: 'a.yaml', environment: 'production', products: { api: '1.0.0' } };
    const b: Manifest = { file: 'b.yaml', environment: 'production', products: { api: '2.0.0', web: '1.0.0' } };
    expect(duplicateDeclarations([a, b])).toEqual([{ field: 'b.yaml: products.api', message: 'api in production is also declared in a.yaml', accepted: ['one declaration per product and environment'] }]);
  });

  it('plans deploys for lanes behind, leaves lanes in sync out, reports pinned and in-flight lanes as drift', () => {
    const manifest: Manifest = { file: 'm.yaml', environment: 'production', products: { same: '1.0.0', behind: '2.0.0', fresh: '1.0.0', pinned: '3.0.0', pinnedThere: '1.0.0', busy: '5.0.0' } };
    const lanes: Record<string, LaneSnapshot> = {
      same: { current: '1.0.0', pinned: null, in_flight: null },
      behind: { current: '1.0.0', pinned: null, in_flight: null },
      fresh: { current: null, pinned: null, in_flight: null },
      pinned: { current: '2.0.0', pinned: '2.0.0', in_flight: null },
      pinnedThere: { current: '1.0.0', pinned: '1.0.0', in_flight: null },
      busy: { current: '4.0.0', pinned: null, in_flight: '5.0.0' },
    };
    expect(planChanges([manifest], (product) => lanes[product]!).map((c) => `${c.product} ${c.current ?? '-'} → ${c.desired}: ${c.action}`)).toEqual([
      'behind 1.0.0 → 2.0.0: deploy',
      'fresh - → 1.0.0: deploy',
      'pinned 2.0.0 → 3.0.0: pinned',
      'busy 4.0.0 → 5.0.0: in_flight',
    ]);
  });
});

import type { CanonicalStatus } from '../../domain/deployments/statuses';
import { isTerminal } from '../../domain/deployments/statuses';
import { VERSION_BUILDS, versionId, type VersionBuildView } from '../builds/builds.projection';
import type { ReadStore, Scalar } from '../read-store.port';
import { newestFirstPage, whereOf, type Page } from '../shared/paging';
import { DEPLOYMENTS, LANES, laneId, type DeploymentView, type LaneView } from './deployments.projection';

export type DeploymentFilter = {
  product?: string;
  environment?: string;
  status?: CanonicalStatus;
  version?: string;
  deployed_by?: string;
  /** created_at bounds, inclusive. */
  since?: string;
  until?: string;
  /** Show the history as it was at this instant: later deployments hidden, statuses as they were then. */
  as_of?: string;
};

export type BuildSummary = Omit<VersionBuildView, 'id' | 'product' | 'version'>;
export type DeploymentItem = DeploymentView & { build: BuildSummary | null };

/** A deployment as it was at `instant`, from its own status history; null if it had not started yet. */
export const deploymentAsOf = (view: DeploymentView, instant: string): DeploymentView | null => {
  if (view.created_at > instant) return null;
  const known = view.status_history.filter((change) => change.at <= instant && !change.late);
  const last = known[known.length - 1];
  if (!last) return null;
  const finished = isTerminal(last.status);
  return {
    ...view,
    status: last.status,
    status_history: view.status_history.filter((change) => change.at <= instant),
    finished_at: finished ? view.finished_at : null,
    duration_seconds: finished ? view.duration_seconds : null,
    abort_reason: last.status === 'aborted' ? view.abort_reason : null,
    rolled_back_by: null,
  };
};

export class DeploymentQueries {
  constructor(private readonly readStore: ReadStore) {}

  async list(filter: DeploymentFilter, limit: number, after: Scalar[] | null): Promise<Page<DeploymentItem>> {
    const { since, until, as_of, status, ...exact } = filter;
    const createdBefore = [until, as_of].filter((v): v is string => v !== undefined).sort()[0];
    const where = whereOf({
      ...exact,
      // With as_of, the status filter applies to the status at that instant, so it cannot use the index.
      status: as_of === undefined ? status : undefined,
      created_at: since || createdBefore ? { ...(since ? { gte: since } : {}), ...(createdBefore ? { lte: createdBefore } : {}) } : undefined,
    });
    const refine =
      as_of === undefined
        ? undefined
        : (row: DeploymentView) => {
            const then = deploymentAsOf(row, as_of);
            return then && (status === undefined || then.status === status) ? then : null;
          };
    const page = await newestFirstPage<DeploymentView>(this.readStore, DEPLOYMENTS, where, limit, after, refine);
    return { ...page, items: await this.withBuilds(page.items) };
  }

  async get(id: string): Promise<DeploymentItem | null> {
    const view = await this.readStore.get<DeploymentView>(DEPLOYMENTS, id);
    return view ? ((await this.withBuilds([view]))[0] ?? null) : null;
  }

  lane(product: string, environment: string): Promise<LaneView | null> {
    return this.readStore.get<LaneView>(LANES, laneId(product, environment));
  }

  lanes(filter: { product?: string; environment?: string } = {}): Promise<LaneView[]> {
    return this.readStore.find<LaneView>(LANES, { where: whereOf(filter), orderBy: [['id', 'asc']] });
  }

  /** A deployment shows its version's latest build: commit, build URL and build duration. */
  private async withBuilds(items: DeploymentView[]): Promise<DeploymentItem[]> {
    const keys = [...new Set(items.map((d) => versionId(d.product, d.version)))];
    const builds = new Map((await Promise.all(keys.map((key) => this.readStore.get<VersionBuildView>(VERSION_BUILDS, key)))).flatMap((b) => (b ? [[b.id, b]] : [])));
    return items.map((d) => {
      const build = builds.get(versionId(d.product, d.version));
      if (!build) return { ...d, build: null };
      const { id: _id, product: _product, version: _version, ...summary } = build;
      return { ...d, build: summary };
    });
  }
}

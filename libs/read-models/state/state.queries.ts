import type { CanonicalStatus } from '../../domain/deployments/statuses';
import { CatalogQueries } from '../catalog/catalog.queries';
import { LANE_HISTORY, laneHistoryPrefix, laneHistoryUpTo, LANES, type LaneHistoryEntry, type LaneView } from '../deployments/deployments.projection';
import type { ReadStore } from '../read-store.port';
import { orderEnvironments, upstreamOf } from './environment-order';

export type StateCell = {
  deployment_id: string;
  /** What runs there: the last completed version (null if nothing completed yet). */
  current_version: string | null;
  /** The latest deployment's version and status, whatever its outcome. */
  latest_version: string;
  status: CanonicalStatus;
  at: string;
  deployed_by: string | null;
  in_flight: { deployment_id: string; version: string; status: CanonicalStatus } | null;
  /** Set when the upstream environment runs another version of this product. */
  drift: { upstream: string; upstream_version: string } | null;
};

export type StateMatrix = {
  /** Columns, in promotion order. */
  environments: string[];
  rows: { product: string; environments: Record<string, StateCell | null> }[];
};

const cellOf = (lane: LaneView): StateCell | null =>
  lane.latest && {
    deployment_id: lane.latest.deployment_id,
    current_version: lane.current?.version ?? null,
    latest_version: lane.latest.version,
    status: lane.latest.status,
    at: lane.latest.at,
    deployed_by: lane.latest.deployed_by,
    in_flight: lane.in_flight && { deployment_id: lane.in_flight.deployment_id, version: lane.in_flight.version, status: lane.in_flight.status },
    drift: null,
  };

/** The environment × product matrix (GET /state). */
export class StateQueries {
  private readonly catalog: CatalogQueries;

  constructor(private readonly readStore: ReadStore) {
    this.catalog = new CatalogQueries(readStore);
  }

  async matrix(filter: { product?: string; environment?: string } = {}): Promise<StateMatrix> {
    const [products, environments, lanes] = await Promise.all([
      this.catalog.products(),
      this.catalog.environments(),
      this.readStore.find<LaneView>(LANES, filter.product ? { where: { product: filter.product } } : {}),
    ]);
    return this.build(products.map((p) => p.name), environments.map((e) => e.name), lanes, filter);
  }

  /**
   * The matrix as it was at `at` (event time): each lane's last recorded state at or before that instant, from
   * the append-only lane history — one primary-key lookup per lane, whatever the length of the history.
   */
  async matrixAt(at: string, filter: { product?: string; environment?: string } = {}): Promise<StateMatrix> {
    const [products, environments, lanes] = await Promise.all([
      this.catalog.products(),
      this.catalog.environments(),
      this.readStore.find<LaneView>(LANES, filter.product ? { where: { product: filter.product } } : {}),
    ]);
    const then = await Promise.all(
      lanes.map(async (lane) => {
        const [entry] = await this.readStore.find<LaneHistoryEntry>(LANE_HISTORY, {
          where: { id: { gt: laneHistoryPrefix(lane.id), lte: laneHistoryUpTo(lane.id, at) } },
          orderBy: [['id', 'desc']],
          limit: 1,
        });
        return entry ?? null;
      }),
    );
    const existing = then.filter((lane): lane is LaneHistoryEntry => lane !== null);
    // Registration is stamped with recording time, lanes with event time: a lane that existed then counts too.
    const names = (registered: string[], fromLanes: string[]) => [...new Set([...registered, ...fromLanes])].sort();
    return this.build(
      names(products.filter((p) => p.registered_at <= at).map((p) => p.name), existing.map((l) => l.product)),
      names(environments.filter((e) => e.created_at <= at).map((e) => e.name), existing.map((l) => l.environment)),
      existing,
      filter,
    );
  }

  private build(productNames: string[], environmentNames: string[], lanes: LaneView[], filter: { product?: string; environment?: string }): StateMatrix {
    const ordered = orderEnvironments(environmentNames);
    const columns = filter.environment ? ordered.filter((name) => name === filter.environment) : ordered;
    const byProduct = new Map<string, Map<string, LaneView>>();
    for (const lane of lanes) byProduct.set(lane.product, (byProduct.get(lane.product) ?? new Map()).set(lane.environment, lane));
    const names = filter.product ? productNames.filter((name) => name === filter.product) : productNames;
    return {
      environments: columns,
      rows: names.map((name) => {
        const row = byProduct.get(name) ?? new Map<string, LaneView>();
        const cells = Object.fromEntries(
          columns.map((env) => {
            const cell = row.get(env) ? cellOf(row.get(env)!) : null;
            const upstream = upstreamOf(env, ordered);
            const upstreamVersion = upstream ? (row.get(upstream)?.current?.version ?? null) : null;
            const drifted = cell && upstream && upstreamVersion && cell.current_version && upstreamVersion !== cell.current_version;
            return [env, cell && drifted ? { ...cell, drift: { upstream: upstream!, upstream_version: upstreamVersion! } } : cell];
          }),
        );
        return { product: name, environments: cells };
      }),
    };
  }
}

import { computeMetrics, type DeploymentMetrics, type MetricDeployment, type MetricsInput } from '../../domain/metrics/deployment-metrics';
import { blockedReason, type WhatIfRule } from '../../domain/metrics/what-if';
import { VERSION_BUILDS, versionId, type VersionBuildView } from '../builds/builds.projection';
import { DEPLOYMENTS, type DeploymentView } from '../deployments/deployments.projection';
import type { ReadStore } from '../read-store.port';
import { whereOf } from '../shared/paging';

export type MetricsQuery = { product?: string; environment?: string; from: string; to: string; bucket: MetricsInput['bucket']; failureWindowHours: number; productionEnvironments: ReadonlySet<string> };

const asMetric = (d: DeploymentView): MetricDeployment => ({
  id: d.id,
  product: d.product,
  environment: d.environment,
  version: d.version,
  status: d.status as MetricDeployment['status'],
  started_at: d.started_at,
  finished_at: d.finished_at!,
  is_rollback: d.is_rollback,
  is_hotfix: d.extra_metadata['hotfix'] === true || /^hotfix[/-]/.test(d.scm_branch ?? ''),
  commit_time: typeof d.extra_metadata['commit_time'] === 'string' ? d.extra_metadata['commit_time'] : null,
});

/** Loads the finished deployments of the range (plus the failure window after it) and the build times, then computes. */
export class MetricsQueries {
  constructor(private readonly readStore: ReadStore) {}

  async deployments(query: MetricsQuery): Promise<DeploymentMetrics> {
    return this.compute(query, await this.finished(query));
  }

  /**
   * Replays the range under a hypothetical rule: the deployments it would have blocked, and the metrics as they
   * would have been without them.
   */
  async whatIf(query: MetricsQuery, rule: WhatIfRule) {
    const finished = await this.finished(query);
    const blocked = finished
      .filter((d) => d.finished_at! >= query.from && d.finished_at! < query.to)
      .flatMap((d) => {
        const reason = blockedReason({ id: d.id, started_at: d.started_at, created_at: d.created_at, approvals: d.approvals.length }, rule);
        return reason ? [{ id: d.id, product: d.product, environment: d.environment, version: d.version, status: d.status, started_at: d.started_at ?? d.created_at, reason }] : [];
      })
      .sort((a, b) => a.started_at.localeCompare(b.started_at));
    const blockedIds = new Set(blocked.map((d) => d.id));
    return {
      blocked,
      metrics: { actual: await this.compute(query, finished), with_rule: await this.compute(query, finished.filter((d) => !blockedIds.has(d.id))) },
    };
  }

  private async finished(query: MetricsQuery): Promise<DeploymentView[]> {
    const windowEnd = new Date(Date.parse(query.to) + query.failureWindowHours * 3_600_000).toISOString();
    const rows = await this.readStore.find<DeploymentView>(DEPLOYMENTS, {
      where: whereOf({ product: query.product, environment: query.environment, finished_at: { gte: query.from, lt: windowEnd } }),
    });
    return rows.filter((d) => d.finished_at && (d.status === 'completed' || d.status === 'failed' || d.status === 'aborted'));
  }

  private async compute(query: MetricsQuery, finished: DeploymentView[]): Promise<DeploymentMetrics> {
    const versions = [...new Set(finished.map((d) => versionId(d.product, d.version)))];
    const builds = await Promise.all(versions.map((id) => this.readStore.get<VersionBuildView>(VERSION_BUILDS, id)));
    const buildCompletedAt = new Map(builds.flatMap((b) => (b && b.status === 'completed' && b.finished_at ? [[b.id, b.finished_at] as const] : [])));
    return computeMetrics({
      deployments: finished.map(asMetric),
      buildCompletedAt,
      productionEnvironments: query.productionEnvironments,
      from: query.from,
      to: query.to,
      bucket: query.bucket,
      failureWindowHours: query.failureWindowHours,
    });
  }
}

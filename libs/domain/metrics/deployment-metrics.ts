/**
 * Deployment and DORA metrics, computed from finished deployments. Pure: the caller supplies the deployments,
 * build completion times and which environments are production. Every definition is in the README.
 */
export type MetricDeployment = {
  id: string;
  product: string;
  environment: string;
  version: string;
  status: 'completed' | 'failed' | 'aborted';
  started_at: string | null;
  finished_at: string;
  is_rollback: boolean;
  /** Marked by CI (`extra_metadata.hotfix: true`) or a `hotfix/…` branch. */
  is_hotfix: boolean;
  /** `extra_metadata.commit_time` when CI sends it: the start of lead time. */
  commit_time: string | null;
};

export type MetricsInput = {
  deployments: readonly MetricDeployment[];
  /** product@version → when its build completed. */
  buildCompletedAt: ReadonlyMap<string, string>;
  productionEnvironments: ReadonlySet<string>;
  from: string;
  to: string;
  bucket: 'day' | 'week' | 'month';
  /** A failure, rollback or hotfix within this many hours after a deployment makes it a failed change. */
  failureWindowHours: number;
};

export type Stats = { mean: number | null; median: number | null };
export type Percentiles = { p50: number | null; p90: number | null; max: number | null };

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;
const round = (n: number | null, digits = 3) => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

export const percentile = (values: readonly number[], p: number): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank: the smallest value with at least p% of the values at or below it.
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** The middle value, or the mean of the two middle values. */
export const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const stats = (values: readonly number[]): Stats => ({
  mean: values.length ? round(values.reduce((a, b) => a + b, 0) / values.length) : null,
  median: round(median(values)),
});

const ratio = (part: number, whole: number) => (whole === 0 ? null : round(part / whole, 4));

const bucketStart = (iso: string, bucket: MetricsInput['bucket']): string => {
  const d = new Date(iso);
  if (bucket === 'month') return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString().slice(0, 10);
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  if (bucket === 'week') day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7)); // ISO weeks start on Monday
  return day.toISOString().slice(0, 10);
};

const laneOf = (d: MetricDeployment) => `${d.product}@${d.environment}`;

/** Deployments per lane, in the order they finished. */
const byLane = (deployments: readonly MetricDeployment[]) => {
  const lanes = new Map<string, MetricDeployment[]>();
  for (const d of deployments) {
    const lane = lanes.get(laneOf(d));
    if (lane) lane.push(d);
    else lanes.set(laneOf(d), [d]);
  }
  for (const list of lanes.values()) list.sort((a, b) => a.finished_at.localeCompare(b.finished_at));
  return lanes;
};

/**
 * For each deployment of a lane (in finish order): the DORA consequences that follow it. One forward pass per
 * deployment over the failure window only, and one backward pass for the next completed deployment, so a lane of
 * n deployments costs O(n + what falls in the windows) rather than O(n²).
 */
const consequences = (lane: readonly MetricDeployment[], windowSeconds: number) => {
  const at = lane.map((d) => Date.parse(d.finished_at));
  // The first deployment strictly later than index i (equal finish times are not "later").
  const firstLater = (i: number) => {
    let j = i + 1;
    while (j < lane.length && lane[j]!.finished_at <= lane[i]!.finished_at) j += 1;
    return j;
  };
  const nextCompleted: (number | undefined)[] = new Array(lane.length + 1);
  for (let j = lane.length - 1; j >= 0; j -= 1) nextCompleted[j] = lane[j]!.status === 'completed' ? j : nextCompleted[j + 1];
  return lane.map((d, i) => {
    let failedChange = false;
    for (let j = firstLater(i); j < lane.length && (at[j]! - at[i]!) / 1000 <= windowSeconds && !failedChange; j += 1) {
      const o = lane[j]!;
      failedChange = o.status === 'failed' || o.is_rollback || o.is_hotfix;
    }
    const restoredBy = nextCompleted[firstLater(i)];
    return { deployment: d, failedChange, restoredAfterSeconds: restoredBy === undefined ? null : (at[restoredBy]! - at[i]!) / 1000 };
  });
};

export const computeMetrics = (input: MetricsInput) => {
  const inRange = input.deployments.filter((d) => d.finished_at >= input.from && d.finished_at < input.to);
  const completed = inRange.filter((d) => d.status === 'completed');
  const failed = inRange.filter((d) => d.status === 'failed');
  const days = Math.max(1e-9, seconds(input.from, input.to) / 86_400);

  const gaps = [...byLane(completed).values()].flatMap((lane) => lane.slice(1).map((d, i) => seconds(lane[i]!.finished_at, d.finished_at)));
  const durations = completed.flatMap((d) => (d.started_at ? [seconds(d.started_at, d.finished_at)] : []));

  const buckets = new Map<string, { deployments: number; failed: number; aborted: number }>();
  for (const d of inRange) {
    const key = bucketStart(d.finished_at, input.bucket);
    const entry = buckets.get(key) ?? { deployments: 0, failed: 0, aborted: 0 };
    if (d.status === 'completed') entry.deployments += 1;
    else entry[d.status] += 1;
    buckets.set(key, entry);
  }

  // DORA: production environments only; later events (outside the range) still count as consequences.
  const production = input.deployments.filter((d) => input.productionEnvironments.has(d.environment));
  const windowSeconds = input.failureWindowHours * 3_600;
  const consequencesOf = new Map([...byLane(production).values()].flatMap((lane) => consequences(lane, windowSeconds).map((c) => [c.deployment, c] as const)));
  const prodCompleted = completed.filter((d) => input.productionEnvironments.has(d.environment));
  const prodFailed = failed.filter((d) => input.productionEnvironments.has(d.environment));

  const leadTimes = prodCompleted.flatMap((d) => {
    const start = d.commit_time ?? input.buildCompletedAt.get(`${d.product}@${d.version}`) ?? null;
    return start ? [seconds(start, d.finished_at)] : [];
  });
  const failedChanges = prodCompleted.filter((d) => consequencesOf.get(d)?.failedChange === true);
  const restoreTimes = prodFailed.flatMap((d) => {
    const restored = consequencesOf.get(d)?.restoredAfterSeconds;
    return restored === undefined || restored === null ? [] : [restored];
  });
  const rework = prodCompleted.filter((d) => d.is_rollback || d.is_hotfix);

  return {
    range: { from: input.from, to: input.to, days: round(days, 2), bucket: input.bucket },
    deployments: {
      completed: completed.length,
      failed: failed.length,
      aborted: inRange.length - completed.length - failed.length,
      frequency_per_day: round(completed.length / days),
      success_rate: ratio(completed.length, completed.length + failed.length),
      failure_rate: ratio(failed.length, completed.length + failed.length),
      time_between_deployments_seconds: stats(gaps),
      duration_seconds: { p50: round(percentile(durations, 50)), p90: round(percentile(durations, 90)), max: durations.length ? Math.max(...durations) : null } satisfies Percentiles,
      buckets: [...buckets.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([start, b]) => ({ start, ...b, success_rate: ratio(b.deployments, b.deployments + b.failed) })),
    },
    dora: {
      production_environments: [...input.productionEnvironments].sort(),
      deployment_frequency_per_day: round(prodCompleted.length / days),
      lead_time_for_changes_seconds: stats(leadTimes),
      change_failure_rate: ratio(failedChanges.length, prodCompleted.length),
      time_to_restore_seconds: stats(restoreTimes),
      rework_rate: ratio(rework.length, prodCompleted.length),
      failure_window_hours: input.failureWindowHours,
    },
  };
};

export type DeploymentMetrics = ReturnType<typeof computeMetrics>;

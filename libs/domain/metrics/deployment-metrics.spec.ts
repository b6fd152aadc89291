import { computeMetrics, type MetricDeployment } from './deployment-metrics';

/** A hand-built history; every expected figure below is worked out in the comments, not read off the code. */
const d = (id: string, environment: string, version: string, status: MetricDeployment['status'], started: string | null, finished: string, extra: Partial<MetricDeployment> = {}): MetricDeployment => ({
  id,
  product: 'api',
  environment,
  version,
  status,
  started_at: started && `2026-01-0${started}:00.000Z`,
  finished_at: `2026-01-0${finished}:00.000Z`,
  is_rollback: false,
  is_hotfix: false,
  commit_time: null,
  ...extra,
});

const history = [
  d('1', 'staging', '1.0', 'completed', '1T09:00', '1T09:10'), // 600 s
  d('2', 'prod', '1.0', 'completed', '1T10:00', '1T10:20'), // 1200 s; lead: build at 08:00 → 8400 s
  d('3', 'prod', '1.1', 'failed', '1T14:00', '1T14:05'), // makes #2 a failed change; restored by #4 after 900 s
  d('4', 'prod', '1.0', 'completed', '1T14:10', '1T14:20', { is_rollback: true }), // 600 s; lead 22800 s; rework
  d('5', 'prod', '1.2', 'completed', '2T10:00', '2T10:30', { commit_time: '2026-01-02T09:00:00.000Z' }), // 1800 s; lead 5400 s
  d('6', 'prod', '1.3', 'aborted', '2T11:50', '2T12:00'),
  d('7', 'staging', '1.2', 'failed', '2T08:00', '2T08:05'),
  d('8', 'prod', '1.4', 'completed', '3T10:00', '3T10:10'), // outside the range: ignored (not a consequence either)
];

describe('deployment and DORA metrics', () => {
  const metrics = computeMetrics({
    deployments: history,
    buildCompletedAt: new Map([['api@1.0', '2026-01-01T08:00:00.000Z']]),
    productionEnvironments: new Set(['prod']),
    from: '2026-01-01T00:00:00.000Z',
    to: '2026-01-03T00:00:00.000Z',
    bucket: 'day',
    failureWindowHours: 24,
  });

  it('counts outcomes, frequency and rates over the range (2 days)', () =>
    expect(metrics.deployments).toMatchObject({
      completed: 4, // #1 #2 #4 #5
      failed: 2, // #3 #7
      aborted: 1, // #6
      frequency_per_day: 2, // 4 / 2 days
      success_rate: 0.6667, // 4 / 6
      failure_rate: 0.3333, // 2 / 6
    }));

  it('measures time between completed deployments per lane and their durations', () => {
    // prod completions at 1T10:20, 1T14:20, 2T10:30 → gaps 14400 s and 72600 s
    expect(metrics.deployments.time_between_deployments_seconds).toEqual({ mean: 43500, median: 43500 });
    // durations 600, 1200, 600, 1800 → nearest-rank p50 = 600, p90 = 1800
    expect(metrics.deployments.duration_seconds).toEqual({ p50: 600, p90: 1800, max: 1800 });
  });

  it('buckets by day', () =>
    expect(metrics.deployments.buckets).toEqual([
      { start: '2026-01-01', deployments: 3, failed: 1, aborted: 0, success_rate: 0.75 },
      { start: '2026-01-02', deployments: 1, failed: 1, aborted: 1, success_rate: 0.5 },
    ]));

  it('computes the DORA keys on production only', () =>
    expect(metrics.dora).toEqual({
      production_environments: ['prod'],
      deployment_frequency_per_day: 1.5, // #2 #4 #5 over 2 days
      lead_time_for_changes_seconds: { mean: 12200, median: 8400 }, // 8400, 22800, 5400
      change_failure_rate: 0.3333, // #2 is followed by the failure #3 within 24 h; #4 and #5 are not
      time_to_restore_seconds: { mean: 900, median: 900 }, // #3 at 14:05 → #4 at 14:20
      rework_rate: 0.3333, // #4 is a rollback
      failure_window_hours: 24,
    }));

  it('buckets by ISO week and month', () => {
    const weekly = computeMetrics({ deployments: history, buildCompletedAt: new Map(), productionEnvironments: new Set(), from: '2026-01-01T00:00:00.000Z', to: '2026-01-03T00:00:00.000Z', bucket: 'week', failureWindowHours: 24 });
    expect(weekly.deployments.buckets.map((b) => b.start)).toEqual(['2025-12-29']); // Thursday 1 Jan 2026 is in the week of Monday 29 Dec
    expect(weekly.dora).toMatchObject({ deployment_frequency_per_day: 0, change_failure_rate: null, lead_time_for_changes_seconds: { mean: null, median: null } });
  });
});

describe('DORA consequences over a long, busy history', () => {
  // The README's definitions, written the obvious quadratic way, as the reference for the linear computation.
  const reference = (deployments: MetricDeployment[], windowHours: number) => {
    const later = (d: MetricDeployment) => deployments.filter((o) => o.environment === d.environment && o.finished_at > d.finished_at);
    const completed = deployments.filter((d) => d.status === 'completed');
    const failedChanges = completed.filter((d) =>
      later(d).some((o) => (Date.parse(o.finished_at) - Date.parse(d.finished_at)) / 1000 <= windowHours * 3600 && (o.status === 'failed' || o.is_rollback || o.is_hotfix)),
    );
    const restores = deployments
      .filter((d) => d.status === 'failed')
      .flatMap((d) => {
        const next = later(d)
          .filter((o) => o.status === 'completed')
          .sort((a, b) => a.finished_at.localeCompare(b.finished_at))[0];
        return next ? [(Date.parse(next.finished_at) - Date.parse(d.finished_at)) / 1000] : [];
      });
    return { failedChanges: failedChanges.length, completed: completed.length, restores: restores.sort((a, b) => a - b) };
  };

  it('finds the same failed changes and restore times as the definitions, on 2,000 seeded deployments', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const statuses: MetricDeployment['status'][] = ['completed', 'completed', 'completed', 'failed', 'aborted'];
    let minute = 0;
    const deployments = Array.from({ length: 2_000 }, (_, i): MetricDeployment => {
      minute += Math.floor(random() * 600); // sometimes 0: equal finish times
      const finished = new Date(Date.UTC(2026, 0, 1) + minute * 60_000).toISOString();
      return {
        id: `d${i}`,
        product: 'api',
        environment: random() < 0.5 ? 'prod' : 'eu-prod',
        version: `1.${i}`,
        status: statuses[Math.floor(random() * statuses.length)]!,
        started_at: null,
        finished_at: finished,
        is_rollback: random() < 0.05,
        is_hotfix: random() < 0.05,
        commit_time: null,
      };
    });
    const metrics = computeMetrics({
      deployments,
      buildCompletedAt: new Map(),
      productionEnvironments: new Set(['prod', 'eu-prod']),
      from: '2025-01-01T00:00:00.000Z',
      to: '2028-01-01T00:00:00.000Z',
      bucket: 'month',
      failureWindowHours: 24,
    });
    const expected = reference(deployments, 24);
    expect(expected.failedChanges).toBeGreaterThan(50); // the history exercises the rule
    expect(metrics.dora.change_failure_rate).toBe(Math.round((expected.failedChanges / expected.completed) * 10_000) / 10_000);
    const median = (values: number[]) => (values.length % 2 ? values[(values.length - 1) / 2]! : (values[values.length / 2 - 1]! + values[values.length / 2]!) / 2);
    expect(metrics.dora.time_to_restore_seconds).toEqual({
      mean: Math.round((expected.restores.reduce((a, b) => a + b, 0) / expected.restores.length) * 1000) / 1000,
      median: Math.round(median(expected.restores) * 1000) / 1000,
    });
  });
});

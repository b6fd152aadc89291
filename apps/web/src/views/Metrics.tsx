import {
  BarController,
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBanner, useLoad } from '../components';
import { duration } from '../format';
import { useLiveChanges } from '../live';
import { href } from '../router';

// Only what these charts use, so esbuild leaves the rest of chart.js out of the bundle.
ChartJS.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

type Bucket = 'day' | 'week' | 'month';
type Stats = { mean: number | null; median: number | null };
type BucketRow = { start: string; deployments: number; failed: number; aborted: number; success_rate: number | null };
/** GET /api/v1/metrics/deployments (computeMetrics in libs/domain/metrics). */
type DeploymentMetrics = {
  range: { from: string; to: string; days: number; bucket: Bucket };
  deployments: {
    completed: number;
    failed: number;
    aborted: number;
    frequency_per_day: number;
    success_rate: number | null;
    failure_rate: number | null;
    time_between_deployments_seconds: Stats;
    duration_seconds: { p50: number | null; p90: number | null; max: number | null };
    buckets: BucketRow[];
  };
  dora: {
    production_environments: string[];
    deployment_frequency_per_day: number;
    lead_time_for_changes_seconds: Stats;
    change_failure_rate: number | null;
    time_to_restore_seconds: Stats;
    rework_rate: number | null;
    failure_window_hours: number;
  };
};
type Named = { name: string };

const BUCKETS: { value: Bucket; label: string }[] = [
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
/** At most this many groups in the duration breakdown (one API call each). */
const MAX_GROUPS = 12;

// ---- Query ↔ API -------------------------------------------------------------------------------------------

/** Dates in the hash are UTC days (the API's buckets are UTC); `to` is inclusive, so it ends at the next midnight. */
const instantOf = (value: string | null, end: boolean): string | null => {
  if (!value) return null;
  if (!DATE.test(value)) return value;
  const start = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(start) ? value : new Date(start + (end ? DAY_MS : 0)).toISOString();
};

const bucketOf = (query: URLSearchParams): Bucket => {
  const value = query.get('bucket');
  return value === 'week' || value === 'month' ? value : 'day';
};

const metricsPath = (query: URLSearchParams, override: { product?: string | null; environment?: string | null } = {}): string => {
  const params = new URLSearchParams();
  const product = override.product === undefined ? query.get('product') : override.product;
  const environment = override.environment === undefined ? query.get('environment') : override.environment;
  if (product) params.set('product', product);
  if (environment) params.set('environment', environment);
  const from = instantOf(query.get('from'), false);
  const to = instantOf(query.get('to'), true);
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  params.set('bucket', bucketOf(query));
  return `/api/v1/metrics/deployments?${params.toString()}`;
};

// ---- Formatting -------------------------------------------------------------------------------------------

const percent = (ratio: number | null): string => (ratio === null ? '—' : `${(ratio * 100).toFixed(ratio === 1 || ratio === 0 ? 0 : 1)} %`);
const number = (n: number, digits = 1): string => n.toLocaleString(undefined, { maximumFractionDigits: digits });
const utcDate = (iso: string, options: Intl.DateTimeFormatOptions): string => new Date(iso).toLocaleDateString(undefined, { timeZone: 'UTC', ...options });

const bucketLabel = (start: string, bucket: Bucket): string =>
  bucket === 'month'
    ? utcDate(`${start}T00:00:00Z`, { month: 'short', year: 'numeric' })
    : `${bucket === 'week' ? 'Week of ' : ''}${utcDate(`${start}T00:00:00Z`, { day: 'numeric', month: 'short' })}`;

const BUCKET_NOUN: Record<Bucket, string> = { day: 'Day', week: 'Week (from Monday)', month: 'Month' };

/** A tidy step for a duration axis up to `max` seconds: 10 s, 30 s, 1 min, 5 min, 15 min, 1 h… (at most ~8 ticks). */
const STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];
const durationStep = (max: number): number => STEPS.find((step) => max / step <= 8) ?? Math.ceil(max / 8 / 86_400) * 86_400;

/** Short axis ticks: 45 s, 6 min, 1.5 h. */
const shortDuration = (seconds: number): string =>
  seconds < 60 ? `${Math.round(seconds)} s` : seconds < 3600 ? `${Math.round(seconds / 60)} min` : `${number(seconds / 3600)} h`;

/** The range as people read it: the last instant of `to` is excluded, so show the day before it when it is midnight. */
const rangeText = (range: DeploymentMetrics['range']): string => {
  const to = range.to.endsWith('T00:00:00.000Z') ? new Date(Date.parse(range.to) - 1).toISOString() : range.to;
  const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };
  return `${utcDate(range.from, options)} – ${utcDate(to, options)} (${number(range.days)} days, UTC)`;
};

// ---- Buckets ----------------------------------------------------------------------------------------------

const startOfBucket = (time: number, bucket: Bucket): Date => {
  const d = new Date(time);
  if (bucket === 'month') return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  if (bucket === 'week') day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  return day;
};

/** The API lists only buckets that had deployments; charts need the empty ones too, so gaps show as gaps. */
const filledBuckets = (metrics: DeploymentMetrics): BucketRow[] => {
  const { from, to, bucket } = metrics.range;
  const known = new Map(metrics.deployments.buckets.map((b) => [b.start, b]));
  const rows: BucketRow[] = [];
  const last = startOfBucket(Date.parse(to) - 1, bucket).getTime();
  for (let d = startOfBucket(Date.parse(from), bucket); d.getTime() <= last && rows.length <= 400; ) {
    const start = d.toISOString().slice(0, 10);
    rows.push(known.get(start) ?? { start, deployments: 0, failed: 0, aborted: 0, success_rate: null });
    if (bucket === 'month') d.setUTCMonth(d.getUTCMonth() + 1);
    else d.setUTCDate(d.getUTCDate() + (bucket === 'week' ? 7 : 1));
  }
  // Very long ranges by day would make an unreadable chart: keep the API's own (non-empty) buckets then.
  return rows.length > 400 ? metrics.deployments.buckets : rows;
};

// ---- Theme-aware chart ------------------------------------------------------------------------------------

type Palette = { fg: string; muted: string; grid: string; bg: string; ok: string; fail: string; accent: string; accent2: string };

const isDark = (): boolean => {
  const theme = document.documentElement.dataset['theme'];
  return theme ? theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
};

/**
 * Colours come from the stylesheet's custom properties, so charts follow the light/dark theme. The properties hold
 * `light-dark(…)`: a probe element resolves them to the colour in force.
 */
const readPalette = (): Palette => {
  const dark = isDark();
  const probe = document.createElement('span');
  probe.hidden = true;
  document.body.append(probe);
  const get = (name: string, light: string, night: string) => {
    probe.style.color = '';
    probe.style.color = `var(${name})`;
    return (probe.style.color && getComputedStyle(probe).color) || (dark ? night : light);
  };
  const palette = {
    fg: get('--fg', '#1f2328', '#e6edf3'),
    muted: get('--muted', '#59636e', '#9198a1'),
    grid: get('--border', '#d1d9e0', '#3d444d'),
    bg: get('--panel', '#ffffff', '#161b22'),
    ok: get('--ok', '#1a7f37', '#3fb950'),
    fail: get('--fail', '#cf222e', '#f85149'),
    accent: get('--accent', '#0969da', '#4493f8'),
    accent2: get('--warn', '#9a6700', '#d29922'),
  };
  probe.remove();
  return palette;
};

/** A texture over a colour, so series differ by more than their colour (also in the legend). */
const texture = (color: string, over: string, kind: 'stripes' | 'dots'): CanvasPattern | string => {
  const tile = document.createElement('canvas');
  tile.width = tile.height = 8;
  const ctx = tile.getContext('2d');
  if (!ctx) return color;
  ctx.fillStyle = color;
  ctx.fillRect(0, 0, 8, 8);
  if (kind === 'stripes') {
    ctx.strokeStyle = over;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (const offset of [-8, 0, 8]) {
      ctx.moveTo(offset, 8);
      ctx.lineTo(offset + 8, 0);
    }
    ctx.stroke();
  } else {
    ctx.fillStyle = over;
    ctx.beginPath();
    ctx.arc(4, 4, 1.5, 0, Math.PI * 2);
    ctx.fill();
  }
  return ctx.createPattern(tile, 'repeat') ?? color;
};

/** Changes when the theme does (the toggle sets data-theme; "system" follows the OS setting). */
const useThemeVersion = (): number => {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const bump = () => setVersion((v) => v + 1);
    const observer = new MutationObserver(bump);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class'] });
    const media = matchMedia('(prefers-color-scheme: dark)');
    media.addEventListener('change', bump);
    return () => {
      observer.disconnect();
      media.removeEventListener('change', bump);
    };
  }, []);
  return version;
};

type Spec = (palette: Palette) => ChartConfiguration<'bar' | 'line', (number | null)[], string>;

/**
 * One chart.js chart on a canvas, created in an effect and destroyed on unmount, when its data changes (a new
 * `spec`) or when the theme changes. The canvas is an image whose label is `summary`; `children` (a data table)
 * is the full text alternative.
 */
const Chart = ({ spec, summary, children }: { spec: Spec; summary: string; children?: ComponentChildren }) => {
  const canvas = useRef<HTMLCanvasElement>(null);
  const theme = useThemeVersion();
  useEffect(() => {
    if (!canvas.current) return;
    const palette = readPalette();
    ChartJS.defaults.color = palette.fg;
    ChartJS.defaults.borderColor = palette.grid;
    const family = getComputedStyle(document.body).fontFamily;
    if (family) ChartJS.defaults.font.family = family;
    const config = spec(palette);
    const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
    const chart = new ChartJS(canvas.current, {
      ...config,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        ...(reduced ? { animation: false } : {}),
        ...config.options,
      },
    });
    return () => chart.destroy();
  }, [spec, theme]);
  return (
    <figure class="chart-figure">
      <div class="chart" style={{ position: 'relative', height: '18rem' }}>
        <canvas ref={canvas} role="img" aria-label={summary}>
          {summary}
        </canvas>
      </div>
      <figcaption class="chart-summary">{summary}</figcaption>
      {children}
    </figure>
  );
};

// ---- DORA tiles -------------------------------------------------------------------------------------------

const Tile = ({ title, value, unit, note }: { title: string; value: string | null; unit?: string; note: ComponentChildren }) => (
  <li class={`tile${value === null ? ' no-data' : ''}`}>
    <h3>{title}</h3>
    <p class="tile-value">
      {value === null ? (
        'No data'
      ) : (
        <>
          {value}
          {unit && <span class="unit"> {unit}</span>}
        </>
      )}
    </p>
    <p class="tile-note">{note}</p>
  </li>
);

const DoraTiles = ({ metrics, environment }: { metrics: DeploymentMetrics; environment: string | null }) => {
  const { dora, range } = metrics;
  const production = dora.production_environments;
  const outside = environment !== null && !production.includes(environment);
  const deployments = Math.round(dora.deployment_frequency_per_day * range.days);
  const none = production.length === 0 ? 'No production environment: mark one with production: true.' : outside ? `${environment} is not a production environment.` : null;
  const frequency = dora.deployment_frequency_per_day;
  return (
    <section aria-labelledby="dora-title">
      <h2 id="dora-title">DORA keys</h2>
      <p class="hint">
        Production environments only ({production.length ? production.join(', ') : 'none'}); a failure, rollback or hotfix within {dora.failure_window_hours} h after a deployment makes
        it a failed change.
      </p>
      <ul class="tiles">
        <Tile
          title="Deployment frequency"
          value={none ? null : frequency >= 1 || frequency === 0 ? number(frequency, 2) : number(frequency * 7, 2)}
          unit={frequency >= 1 || frequency === 0 ? 'per day' : 'per week'}
          note={none ?? `${deployments} successful production deployment${deployments === 1 ? '' : 's'} in ${number(range.days)} days`}
        />
        <Tile
          title="Lead time for changes"
          value={none || dora.lead_time_for_changes_seconds.median === null ? null : duration(dora.lead_time_for_changes_seconds.median)}
          unit="median"
          note={
            none ??
            (dora.lead_time_for_changes_seconds.mean === null
              ? deployments === 0
                ? 'No successful production deployment in this range.'
                : 'Needs a commit_time in extra_metadata, or a completed build of the version deployed.'
              : `From commit (or build) to production; mean ${duration(dora.lead_time_for_changes_seconds.mean)}`)
          }
        />
        <Tile
          title="Change failure rate"
          value={none || dora.change_failure_rate === null ? null : percent(dora.change_failure_rate)}
          unit="of deployments"
          note={none ?? (dora.change_failure_rate === null ? 'No successful production deployment in this range.' : 'Followed by a failure, rollback or hotfix')}
        />
        <Tile
          title="Time to restore service"
          value={none || dora.time_to_restore_seconds.median === null ? null : duration(dora.time_to_restore_seconds.median)}
          unit="median"
          note={
            none ??
            (dora.time_to_restore_seconds.mean === null
              ? 'No failed production deployment was followed by a successful one.'
              : `From a failure to the next successful deployment; mean ${duration(dora.time_to_restore_seconds.mean)}`)
          }
        />
        <Tile
          title="Rework rate"
          value={none || dora.rework_rate === null ? null : percent(dora.rework_rate)}
          unit="of deployments"
          note={none ?? (dora.rework_rate === null ? 'No successful production deployment in this range.' : 'Rollbacks and hotfixes')}
        />
      </ul>
    </section>
  );
};

// ---- Charts -----------------------------------------------------------------------------------------------

const DeploymentCharts = ({ metrics }: { metrics: DeploymentMetrics }) => {
  const bucket = metrics.range.bucket;
  const rows = useMemo(() => filledBuckets(metrics), [metrics]);
  const labels = rows.map((r) => bucketLabel(r.start, bucket));
  const noun = bucket === 'week' ? 'week' : bucket;

  const volume: Spec = useMemo(
    () => (p) => ({
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'Succeeded', data: rows.map((r) => r.deployments), backgroundColor: p.ok, borderColor: p.ok, borderWidth: 1, stack: 'all' },
          { label: 'Failed', data: rows.map((r) => r.failed), backgroundColor: texture(p.fail, p.bg, 'stripes'), borderColor: p.fail, borderWidth: 1, stack: 'all' },
          { label: 'Aborted', data: rows.map((r) => r.aborted), backgroundColor: texture(p.muted, p.bg, 'dots'), borderColor: p.muted, borderWidth: 1, stack: 'all' },
        ],
      },
      options: {
        scales: {
          x: { stacked: true, grid: { display: false } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Deployments' } },
        },
        plugins: { legend: { position: 'bottom' }, tooltip: { mode: 'index', intersect: false } },
      },
    }),
    [rows],
  );

  const rate: Spec = useMemo(
    () => (p) => ({
      type: 'line',
      data: {
        labels,
        datasets: [
          {
            label: 'Success rate (%)',
            data: rows.map((r) => (r.success_rate === null ? null : Math.round(r.success_rate * 1000) / 10)),
            borderColor: p.accent,
            backgroundColor: p.accent,
            pointRadius: 3,
            spanGaps: false,
          },
        ],
      },
      options: {
        scales: {
          x: { grid: { display: false } },
          y: { min: 0, max: 100, ticks: { callback: (value) => `${value} %` }, title: { display: true, text: 'Succeeded ÷ (succeeded + failed)' } },
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (item) => (item.parsed.y === null ? 'no deployments' : `${item.parsed.y} % succeeded`) } },
        },
      },
    }),
    [rows],
  );

  const d = metrics.deployments;
  const total = d.completed + d.failed + d.aborted;
  const busiest = rows.reduce<BucketRow | null>((best, r) => (r.deployments + r.failed + r.aborted > (best ? best.deployments + best.failed + best.aborted : 0) ? r : best), null);
  const rated = rows.filter((r) => r.success_rate !== null);
  const lowest = rated.reduce<BucketRow | null>((worst, r) => (worst === null || r.success_rate! < worst.success_rate! ? r : worst), null);
  const volumeSummary =
    total === 0
      ? `No finished deployments in this range.`
      : `Deployments per ${noun}, stacked: ${d.completed} succeeded, ${d.failed} failed, ${d.aborted} aborted in total. Busiest: ${busiest ? `${bucketLabel(busiest.start, bucket)} with ${busiest.deployments + busiest.failed + busiest.aborted}` : '—'}.`;
  const rateSummary =
    rated.length === 0
      ? 'Success rate: no succeeded or failed deployments in this range.'
      : `Success rate per ${noun}: ${percent(d.success_rate)} overall; lowest ${percent(lowest!.success_rate)} (${bucketLabel(lowest!.start, bucket)}); ${noun}s without deployments are gaps.`;

  return (
    <>
      <section aria-labelledby="volume-title" class="chart-section">
        <h2 id="volume-title">Deployments per {noun}</h2>
        <Chart spec={volume} summary={volumeSummary}>
          <details>
            <summary>Data table</summary>
            <div class="table-scroll">
              <table class="data">
                <caption>Finished deployments and success rate per {noun}</caption>
                <thead>
                  <tr>
                    <th scope="col">{BUCKET_NOUN[bucket]}</th>
                    <th scope="col">Succeeded</th>
                    <th scope="col">Failed</th>
                    <th scope="col">Aborted</th>
                    <th scope="col">Success rate</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.start}>
                      <th scope="row">
                        <time dateTime={r.start}>{bucketLabel(r.start, bucket)}</time>
                      </th>
                      <td class="num">{r.deployments}</td>
                      <td class="num">{r.failed}</td>
                      <td class="num">{r.aborted}</td>
                      <td class="num">{percent(r.success_rate)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </Chart>
      </section>
      <section aria-labelledby="rate-title" class="chart-section">
        <h2 id="rate-title">Success rate</h2>
        <Chart spec={rate} summary={rateSummary} />
      </section>
    </>
  );
};

type DurationGroup = { label: string; p50: number | null; p90: number | null; max: number | null };
type Breakdown = { by: 'environment' | 'product'; groups: DurationGroup[] };

const DurationChart = ({ groups, by, truncated }: { groups: DurationGroup[]; by: string | null; truncated: boolean }) => {
  const spec: Spec = useMemo(
    () => (p) => ({
      type: 'bar',
      data: {
        labels: groups.map((g) => g.label),
        datasets: [
          { label: 'p50 (median)', data: groups.map((g) => g.p50), backgroundColor: p.accent, borderColor: p.accent, borderWidth: 1 },
          { label: 'p90', data: groups.map((g) => g.p90), backgroundColor: texture(p.accent2, p.bg, 'stripes'), borderColor: p.accent2, borderWidth: 1 },
        ],
      },
      options: {
        scales: {
          x: { grid: { display: false } },
          y: {
            beginAtZero: true,
            ticks: { stepSize: durationStep(Math.max(1, ...groups.map((g) => g.p90 ?? 0))), callback: (value) => shortDuration(Number(value)) },
            title: { display: true, text: 'Duration' },
          },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${duration(item.parsed.y)}` } },
        },
      },
    }),
    [groups],
  );
  const measured = groups.filter((g) => g.p50 !== null);
  const summary =
    measured.length === 0
      ? 'Durations: no successful deployment with a start time in this range.'
      : `Duration of successful deployments${by ? ` per ${by}` : ''}: ${measured.map((g) => `${g.label} p50 ${duration(g.p50)}, p90 ${duration(g.p90)}`).join('; ')}.`;
  return (
    <section aria-labelledby="duration-title" class="chart-section">
      <h2 id="duration-title">Deployment duration{by ? ` per ${by}` : ''}</h2>
      {truncated && <p class="hint">The first {MAX_GROUPS} are shown; choose a product or environment to narrow down.</p>}
      <Chart spec={spec} summary={summary}>
        <details>
          <summary>Data table</summary>
          <div class="table-scroll">
            <table class="data">
              <caption>Duration of successful deployments (started → finished){by ? ` per ${by}` : ''}</caption>
              <thead>
                <tr>
                  <th scope="col">{by ? by[0]!.toUpperCase() + by.slice(1) : 'Selection'}</th>
                  <th scope="col">p50</th>
                  <th scope="col">p90</th>
                  <th scope="col">Longest</th>
                </tr>
              </thead>
              <tbody>
                {groups.map((g) => (
                  <tr key={g.label}>
                    <th scope="row">{g.label}</th>
                    <td class="num">{duration(g.p50)}</td>
                    <td class="num">{duration(g.p90)}</td>
                    <td class="num">{duration(g.max)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </Chart>
    </section>
  );
};

// ---- Filters ----------------------------------------------------------------------------------------------

type FilterValues = { product: string; environment: string; bucket: Bucket; from: string; to: string };

/** Keyed by the query: a new deep link starts from its values; edits apply on submit (which updates the hash). */
const Filters = ({ query, products, environments }: { query: URLSearchParams; products: string[]; environments: string[] }) => {
  const dateValue = (key: string) => (query.get(key) ?? '').slice(0, 10);
  const [values, setValues] = useState<FilterValues>(() => ({
    product: query.get('product') ?? '',
    environment: query.get('environment') ?? '',
    bucket: bucketOf(query),
    from: dateValue('from'),
    to: dateValue('to'),
  }));
  const set = (key: keyof FilterValues) => (event: Event) => setValues((v) => ({ ...v, [key]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value }));
  const submit = (event: Event) => {
    event.preventDefault();
    location.hash = href('metrics', {
      product: values.product,
      environment: values.environment,
      from: values.from,
      to: values.to,
      bucket: values.bucket === 'day' ? null : values.bucket,
    });
  };
  // Names from the URL stay selectable even before the lists load (or if the token cannot list them).
  const withCurrent = (names: string[], current: string) => (current && !names.includes(current) ? [current, ...names] : names);
  return (
    <form class="filters" onSubmit={submit} aria-label="Metrics filters">
      <NameSelect label="Product" name="product" all="All products" names={withCurrent(products, values.product)} value={values.product} onChange={set('product')} />
      <NameSelect label="Environment" name="environment" all="All environments" names={withCurrent(environments, values.environment)} value={values.environment} onChange={set('environment')} />
      <label>
        Per
        <select name="bucket" value={values.bucket} onChange={set('bucket')}>
          {BUCKETS.map((b) => (
            <option key={b.value} value={b.value}>
              {b.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        From (UTC)
        <input type="date" name="from" value={values.from} max={values.to || undefined} onChange={set('from')} aria-describedby="range-hint" />
      </label>
      <label>
        To (UTC, inclusive)
        <input type="date" name="to" value={values.to} min={values.from || undefined} onChange={set('to')} aria-describedby="range-hint" />
      </label>
      <button type="submit" class="primary">
        Show
      </button>
      <a class="button" href={href('metrics')}>
        Reset
      </a>
      <p id="range-hint" class="hint">
        Leave the dates empty for the last 30 days.
      </p>
    </form>
  );
};

// ---- View -------------------------------------------------------------------------------------------------

/** A choice among names, or all of them (empty value). */
const NameSelect = ({ label, name, all, names, value, onChange }: { label: string; name: string; all: string; names: string[]; value: string; onChange: (event: Event) => void }) => (
  <label>
    {label}
    <select name={name} value={value} onChange={onChange}>
      <option value="">{all}</option>
      {names.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </select>
  </label>
);

/** Deployment frequency, success rate, durations and the DORA keys, filtered by the hash query (a deep link). */
export const Metrics = ({ query }: { query: URLSearchParams }) => {
  const key = query.toString();
  const product = query.get('product');
  const environment = query.get('environment');
  const metrics = useLoad(() => api<DeploymentMetrics>(metricsPath(query)).then((m) => ({ key, m })), [key]);
  // The breakdown waits for the main answer of this query (an invalid query is reported once, not per group).
  const ready = metrics.data?.key === key;
  const products = useLoad(() => api<{ items: Named[] }>('/products/').then((r) => r.items.map((p) => p.name).sort(), () => [] as string[]), []);
  // In promotion order, as on the board.
  const environments = useLoad(() => api<{ items: Named[] }>('/api/v1/environments').then((r) => r.items.map((e) => e.name), () => [] as string[]), []);

  // Durations broken down by environment (or by product once an environment is chosen): one call per group.
  const by = !environment ? 'environment' : !product ? 'product' : null;
  const names = by === 'environment' ? environments.data : by === 'product' ? products.data : [];
  const groupNames = (names ?? []).slice(0, MAX_GROUPS);
  const durations: { data: Breakdown | null; reload: () => void } = useLoad<Breakdown | null>(async (): Promise<Breakdown | null> => {
    if (by === null) return null;
    if (names === null || !ready) return durations.data; // what is shown stays until this query's answer is in
    const found = await Promise.all(
      groupNames.map((name) =>
        api<DeploymentMetrics>(metricsPath(query, by === 'environment' ? { environment: name } : { product: name })).then(
          (m) => ({ label: name, ...m.deployments.duration_seconds }),
          () => null,
        ),
      ),
    );
    return { by, groups: found.filter((g): g is DurationGroup => g !== null) };
  }, [key, ready, by, groupNames.join(',')]);

  // Live: refetch when deployments finish, at most every 10 s, and only while the range ends now.
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const connected = useRef(false);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  useLiveChanges((changes) => {
    if (changes.length === 0 && !connected.current) return void (connected.current = true); // first connection: just loaded
    if (changes.length > 0 && !changes.some((c) => c.type.startsWith('deployment.'))) return;
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      last.current = Date.now();
      metrics.reload();
      durations.reload();
    }, Math.max(0, last.current + 10_000 - Date.now()));
  }, !query.get('to'));

  const data = metrics.data?.m ?? null;
  const selection = `${product ? `Product ${product}` : 'All products'} in ${environment ? `environment ${environment}` : 'all environments'}`;
  const selected: DurationGroup[] | null = data ? [{ label: selection, ...data.deployments.duration_seconds }] : null;
  const breakdown = by !== null && durations.data && durations.data.groups.length > 0 ? durations.data : null;
  const groups = breakdown?.groups ?? selected;
  return (
    <section aria-labelledby="metrics-title" class="metrics">
      <header class="view-header">
        <h1 id="metrics-title">Metrics</h1>
        <Filters key={key} query={query} products={products.data ?? []} environments={environments.data ?? []} />
      </header>
      <ErrorBanner error={metrics.error} />
      {!data && !metrics.error && <p aria-live="polite">Loading metrics…</p>}
      {data && (
        <>
          <p class="range" aria-live="polite">
            <strong>{selection}</strong>, {rangeText(data.range)}
          </p>
          <DoraTiles metrics={data} environment={environment} />
          <section aria-labelledby="summary-title">
            <h2 id="summary-title">All deployments in the selection</h2>
            <dl class="facts">
              <dt>Finished</dt>
              <dd>
                {data.deployments.completed} succeeded, {data.deployments.failed} failed, {data.deployments.aborted} aborted
              </dd>
              <dt>Success rate</dt>
              <dd>{data.deployments.success_rate === null ? 'No data' : percent(data.deployments.success_rate)}</dd>
              <dt>Frequency</dt>
              <dd>{number(data.deployments.frequency_per_day, 2)} successful per day</dd>
              <dt>Time between deployments</dt>
              <dd>
                {data.deployments.time_between_deployments_seconds.median === null
                  ? 'No data'
                  : `${duration(data.deployments.time_between_deployments_seconds.median)} (median, per product and environment)`}
              </dd>
              <dt>Duration</dt>
              <dd>
                {data.deployments.duration_seconds.p50 === null
                  ? 'No data'
                  : `p50 ${duration(data.deployments.duration_seconds.p50)}, p90 ${duration(data.deployments.duration_seconds.p90)}, longest ${duration(data.deployments.duration_seconds.max)}`}
              </dd>
            </dl>
          </section>
          {data.deployments.completed + data.deployments.failed + data.deployments.aborted === 0 ? (
            <p class="empty-state">No finished deployments in this range, so there is nothing to chart. Widen the dates or clear a filter.</p>
          ) : (
            <DeploymentCharts metrics={data} />
          )}
          {groups && groups.some((g) => g.p50 !== null) && <DurationChart groups={groups} by={breakdown?.by ?? null} truncated={breakdown !== null && (names?.length ?? 0) > MAX_GROUPS} />}
        </>
      )}
    </section>
  );
};

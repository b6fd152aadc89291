import { useEffect, useRef, useState } from 'preact/hooks';
import { api, roleAllows, type Me } from '../api';
import { ConfirmAction, ErrorBanner, useLoad } from '../components';
import { duration, when } from '../format';
import { useLiveChanges, type Change } from '../live';
import { href } from '../router';

type Health = 'healthy' | 'degraded' | 'down' | 'unknown';
type Lock = { by: string; reason: string; until: string | null; locked_at: string };
/** GET /api/v1/environments: items in promotion order. */
type EnvironmentSummary = {
  name: string;
  type: string | null;
  url: string | null;
  status: Health;
  production: boolean;
  promotes_to: string | null;
  lock: Lock | null;
  config_version: number | null;
  created_at: string;
};
/** A webhook secret comes masked from the API; this view only ever says whether one is set. */
type Executor = { type: 'external'; webhook_url?: string; webhook_secret?: string } | { type: 'command'; command: string[]; timeout_seconds: number };
type Policies = {
  mode: 'enforced' | 'report_only';
  freezes: { start: string; end: string; reason?: string }[];
  weekly_freezes: { window: string; time_zone: string; reason?: string }[];
  maintenance_window: { window: string; time_zone: string } | null;
  require_upstream: boolean;
};
type HealthCheck = { url: string; interval_seconds: number; timeout_ms: number; expect_status: number; verify_window_seconds: number };
/** GET /api/v1/environments/:name */
type Settings = {
  executor: Executor;
  auto_rollback: boolean;
  approval_required: number;
  promotes_to: string | null;
  auto_promote: boolean;
  soak_seconds: number;
  production: boolean;
  policies: Policies;
  lock: Lock | null;
  type: string | null;
  url: string | null;
  status: Health;
  config_schema: Record<string, unknown> | null;
  health_check: HealthCheck | null;
};
type ConfigVersion = { environment: string; version: number; config: Record<string, unknown>; created_at: string; created_by: string; restored_from: number | null };
type ConfigChange = { path: string; change: 'added' | 'removed' | 'changed'; from?: unknown; to?: unknown };
type ConfigDiff = { environment: string; from: number; to: number; changes: ConfigChange[] };
/** Secrets come masked from the API (write-only); they are shown as a mask whatever `value` holds. */
type Variable = { id: string; environment: string; product: string | null; name: string; secret: boolean; value: string | null; updated_at: string; updated_by: string };

const envPath = (name: string) => encodeURIComponent(name);

// ---- Small pieces -----------------------------------------------------------------------------------------

/** Health in words and an icon (reusing the status colours), never colour alone. */
const HEALTH: Record<Health, { icon: string; tone: string }> = {
  healthy: { icon: '✓', tone: 'completed' },
  degraded: { icon: '◐', tone: 'aborted' },
  down: { icon: '✕', tone: 'failed' },
  unknown: { icon: '?', tone: 'unknown' },
};
const HealthBadge = ({ status }: { status: Health }) => {
  const { icon, tone } = HEALTH[status] ?? HEALTH.unknown;
  return (
    <span class={`status status-${tone} health-${status}`}>
      <span aria-hidden="true">{icon}</span> {status}
    </span>
  );
};

/** Freeze and lock times with their zone: policies mix the viewer's zone and the windows' own zones. */
const zoned = (at: string | null): string =>
  at ? new Date(at).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }) : '—';

const lockActive = (lock: Lock | null, now = Date.now()): boolean => lock !== null && (lock.until === null || Date.parse(lock.until) > now);

const LockState = ({ lock, detailed = false }: { lock: Lock | null; detailed?: boolean }) => {
  if (!lock) return <span class="lock-state unlocked">Not locked</span>;
  if (!lockActive(lock)) {
    return (
      <span class="lock-state expired">
        Lock expired {zoned(lock.until)} <span class="meta">(was: {lock.reason})</span>
      </span>
    );
  }
  return (
    <span class="lock-state locked">
      <strong>
        Locked
      </strong>
      : {lock.reason}
      <span class="meta">
        {' '}
        — {lock.until ? `until ${zoned(lock.until)}` : 'until unlocked'}
        {detailed ? `, by ${lock.by} since ${when(lock.locked_at)}` : ''}
      </span>
    </span>
  );
};

const yesNo = (value: boolean) => (value ? 'Yes' : 'No');
const EnvLink = ({ name }: { name: string }) => <a href={href(`environments/${envPath(name)}`)}>{name}</a>;

// ---- Policies in words ------------------------------------------------------------------------------------

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const WEEKLY = /^(mon|tue|wed|thu|fri|sat|sun) (\d{2}:\d{2})-(mon|tue|wed|thu|fri|sat|sun) (\d{2}:\d{2})$/i;
const DAILY = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/;
const minutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** Minutes from Monday 00:00 on the wall clock of `zone` (same rule as the server's policy check). */
const minuteOfWeek = (at: Date, zone: string): number | null => {
  try {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at).map((p) => [p.type, p.value]),
    );
    return DAYS.indexOf(String(parts['weekday']).toLowerCase().slice(0, 3)) * 1440 + Number(parts['hour']) * 60 + Number(parts['minute']);
  } catch {
    return null;
  }
};
const within = (value: number, from: number, to: number) => (from < to ? value >= from && value < to : value >= from || value < to);

/** `fri 16:00-mon 08:00` → "Every Friday 16:00 to Monday 08:00", and whether it is in effect now. */
const weekly = (window: string, zone: string): { text: string; now: boolean | null } => {
  const m = WEEKLY.exec(window.trim());
  if (!m) return { text: window, now: null };
  const [fromDay, toDay] = [DAYS.indexOf(m[1]!.toLowerCase()), DAYS.indexOf(m[3]!.toLowerCase())];
  const current = minuteOfWeek(new Date(), zone);
  return {
    text: `Every ${DAY_NAMES[fromDay]} ${m[2]} to ${fromDay === toDay && minutes(m[4]!) > minutes(m[2]!) ? '' : `${DAY_NAMES[toDay]} `}${m[4]}`,
    now: current === null ? null : within(current, fromDay * 1440 + minutes(m[2]!), toDay * 1440 + minutes(m[4]!)),
  };
};

const freezeState = (start: string, end: string, now = Date.now()): 'in effect now' | 'upcoming' | 'ended' =>
  Date.parse(end) <= now ? 'ended' : Date.parse(start) <= now ? 'in effect now' : 'upcoming';

const PolicyFacts = ({ policies, upstream }: { policies: Policies; upstream: string[] }) => {
  const freezes = [...policies.freezes].sort((a, b) => a.start.localeCompare(b.start));
  const daily = policies.maintenance_window ? DAILY.exec(policies.maintenance_window.window.trim()) : null;
  return (
    <dl class="facts">
      <dt>Mode</dt>
      <dd>{policies.mode === 'enforced' ? 'Enforced: deployments that break a rule are refused' : 'Report only: violations are recorded, nothing is blocked'}</dd>
      <dt>Freeze windows</dt>
      <dd>
        {freezes.length === 0 ? (
          'None'
        ) : (
          <ul class="plain">
            {freezes.map((f) => {
              const state = freezeState(f.start, f.end);
              return (
                <li key={`${f.start}/${f.end}`} class={`freeze freeze-${state.replace(/ /g, '-')}`}>
                  <time dateTime={f.start}>{zoned(f.start)}</time> → <time dateTime={f.end}>{zoned(f.end)}</time>
                  {f.reason ? `: ${f.reason}` : ''} <strong>({state})</strong>
                </li>
              );
            })}
          </ul>
        )}
      </dd>
      <dt>Weekly freezes</dt>
      <dd>
        {policies.weekly_freezes.length === 0 ? (
          'None'
        ) : (
          <ul class="plain">
            {policies.weekly_freezes.map((f) => {
              const { text, now } = weekly(f.window, f.time_zone);
              return (
                <li key={`${f.window}/${f.time_zone}`} class={now ? 'freeze freeze-in-effect-now' : 'freeze'}>
                  {text} ({f.time_zone} time){f.reason ? `: ${f.reason}` : ''}
                  {now && <strong> (in effect now)</strong>}
                </li>
              );
            })}
          </ul>
        )}
      </dd>
      <dt>Maintenance window</dt>
      <dd>
        {!policies.maintenance_window
          ? 'None: scheduled deployments may start at any time'
          : `Scheduled deployments start only between ${daily ? `${daily[1]} and ${daily[2]}` : policies.maintenance_window.window} (${policies.maintenance_window.time_zone} time)`}
      </dd>
      <dt>Upstream first</dt>
      <dd>
        {policies.require_upstream
          ? `Required: a version must have completed${upstream.length ? ` in ${upstream.join(' or ')}` : ' in the environment that promotes here'} and soaked there first`
          : 'Not required'}
      </dd>
    </dl>
  );
};

// ---- Settings ---------------------------------------------------------------------------------------------

const ExecutorText = ({ executor }: { executor: Executor }) =>
  executor.type === 'command' ? (
    <>
      Shiplog runs <code>{executor.command.join(' ')}</code> (no shell), timeout {duration(executor.timeout_seconds)}
    </>
  ) : executor.webhook_url ? (
    <>
      External pipeline: Shiplog sends a signed webhook to <code>{executor.webhook_url}</code>
    </>
  ) : (
    <>External pipeline: reports come through /deployment-events/ (no webhook configured)</>
  );

const SettingsFacts = ({ settings }: { settings: Settings }) => (
  <dl class="facts">
    <dt>Type</dt>
    <dd>{settings.type ?? '—'}</dd>
    <dt>URL</dt>
    <dd>
      {settings.url ? (
        <a href={settings.url} rel="noopener noreferrer" target="_blank">
          {settings.url}
          <span class="sr-only"> (opens in a new tab)</span>
        </a>
      ) : (
        '—'
      )}
    </dd>
    <dt>Health</dt>
    <dd>
      <HealthBadge status={settings.status} />
      {settings.health_check ? (
        <span class="meta">
          {' '}
          checks <code>{settings.health_check.url}</code> every {duration(settings.health_check.interval_seconds)}, expects HTTP {settings.health_check.expect_status} within{' '}
          {settings.health_check.timeout_ms} ms; after a deployment it must answer within {duration(settings.health_check.verify_window_seconds)}
        </span>
      ) : (
        <span class="meta"> no health check configured</span>
      )}
    </dd>
    <dt>Production</dt>
    <dd>{settings.production ? 'Yes: counts for the DORA keys' : 'No'}</dd>
    <dt>Executor</dt>
    <dd>
      <ExecutorText executor={settings.executor} />
    </dd>
    {settings.executor.type === 'external' && (
      <>
        <dt>Webhook signing secret</dt>
        <dd>{settings.executor.webhook_secret ? 'Set (never shown)' : 'Not set'}</dd>
      </>
    )}
    <dt>Approvals</dt>
    <dd>{settings.approval_required === 0 ? 'None required' : `${settings.approval_required} approver${settings.approval_required === 1 ? '' : 's'} other than the requester`}</dd>
    <dt>Auto rollback</dt>
    <dd>{settings.auto_rollback ? 'Yes: a failed deployment rolls back to the previous successful version' : 'No'}</dd>
    <dt>Promotes to</dt>
    <dd>{settings.promotes_to ? <EnvLink name={settings.promotes_to} /> : '— (end of the pipeline)'}</dd>
    <dt>Auto promote</dt>
    <dd>
      {settings.auto_promote ? `Yes, after ${settings.soak_seconds ? `a soak of ${duration(settings.soak_seconds)}` : 'completing'} without failure` : 'No'}
    </dd>
    {!settings.auto_promote && settings.soak_seconds > 0 && (
      <>
        <dt>Soak time</dt>
        <dd>{duration(settings.soak_seconds)}</dd>
      </>
    )}
    <dt>Configuration schema</dt>
    <dd>{settings.config_schema ? 'Set: new configuration versions are validated against it' : 'None: any object is accepted'}</dd>
  </dl>
);

// ---- Lock -------------------------------------------------------------------------------------------------

const LockSection = ({ name, lock, canLock, onChanged }: { name: string; lock: Lock | null; canLock: boolean; onChanged: () => void }) => {
  const [until, setUntil] = useState('');
  const active = lockActive(lock);
  const minimum = new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  return (
    <section aria-labelledby="lock-title">
      <h2 id="lock-title">Lock</h2>
      <p>
        <LockState lock={lock} detailed />
      </p>
      {canLock && (
        <div class="actions">
          {active ? (
            <ConfirmAction
              label="Unlock"
              title={`Unlock ${name}`}
              description={`Deployments to ${name} are accepted again. Who unlocked it and when is recorded (the API does not record a reason for unlocking).`}
              onConfirm={async () => {
                await api(`/api/v1/environments/${envPath(name)}/lock`, { method: 'DELETE' });
                onChanged();
              }}
            />
          ) : (
            <ConfirmAction
              label={lock ? 'Lock again' : 'Lock'}
              danger
              reasonRequired
              title={`Lock ${name}`}
              description={
                <>
                  Every deployment to {name}, rollbacks included, is refused until it is unlocked or the lock expires. The reason is shown on the board.
                  <label class="until">
                    Until (optional, your local time)
                    <input type="datetime-local" value={until} min={minimum} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} />
                  </label>
                </>
              }
              onConfirm={async (reason) => {
                await api(`/api/v1/environments/${envPath(name)}/lock`, { method: 'POST', body: { reason, ...(until ? { until: new Date(until).toISOString() } : {}) } });
                setUntil('');
                onChanged();
              }}
            />
          )}
        </div>
      )}
    </section>
  );
};

// ---- Configuration ----------------------------------------------------------------------------------------

const json = (value: unknown): string => JSON.stringify(value, null, 2) ?? String(value);

const CHANGE: Record<ConfigChange['change'], { icon: string; label: string }> = {
  added: { icon: '+', label: 'added' },
  removed: { icon: '−', label: 'removed' },
  changed: { icon: '~', label: 'changed' },
};

/** Objects and arrays as indented JSON; scalars inline. */
const Value = ({ present, value }: { present: boolean; value: unknown }) =>
  !present ? (
    <span class="absent">(not set)</span>
  ) : value !== null && typeof value === 'object' ? (
    <pre class="value">
      <code>{json(value)}</code>
    </pre>
  ) : (
    <code class="value">{json(value)}</code>
  );

const DiffTable = ({ diff }: { diff: ConfigDiff }) => {
  if (diff.changes.length === 0) return <p class="empty-state">No differences: versions {diff.from} and {diff.to} are equal.</p>;
  const counts = (['added', 'removed', 'changed'] as const).map((kind) => [kind, diff.changes.filter((c) => c.change === kind).length] as const).filter(([, n]) => n > 0);
  return (
    <>
      <p>{counts.map(([kind, n]) => `${n} ${kind}`).join(', ')}.</p>
      <div class="table-scroll">
        <table class="diff">
          <caption>
            Changes from version {diff.from} to version {diff.to}, by key
          </caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Change</th>
              <th scope="col">Version {diff.from}</th>
              <th scope="col">Version {diff.to}</th>
            </tr>
          </thead>
          <tbody>
            {diff.changes.map((c) => (
              <tr key={c.path} class={`change-${c.change}`}>
                <th scope="row">
                  <code>{c.path}</code>
                </th>
                <td>
                  <span class={`change change-${c.change}`}>
                    <span aria-hidden="true">{CHANGE[c.change].icon} </span>
                    {CHANGE[c.change].label}
                  </span>
                </td>
                <td>
                  <Value present={c.change !== 'added'} value={c.from} />
                </td>
                <td>
                  <Value present={c.change !== 'removed'} value={c.to} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
};

type Shown = { kind: 'diff'; from: number; to: number } | { kind: 'config'; version: number };

/** Any two versions side by side; starts from what is shown (keyed by it). */
const CompareForm = ({ versions, from, to, onCompare }: { versions: ConfigVersion[]; from: number; to: number; onCompare: (shown: Shown) => void }) => {
  const [pair, setPair] = useState({ from, to });
  const pick = (key: 'from' | 'to') => (event: Event) => setPair((p) => ({ ...p, [key]: Number((event.currentTarget as HTMLSelectElement).value) }));
  const submit = (event: Event) => {
    event.preventDefault();
    onCompare({ kind: 'diff', ...pair });
  };
  const options = () =>
    versions.map((v) => (
      <option key={v.version} value={String(v.version)}>
        v{v.version}
      </option>
    ));
  return (
    <form class="filters compare" onSubmit={submit} aria-label="Compare two configuration versions">
      <label>
        From version
        <select name="from" value={String(pair.from)} onChange={pick('from')}>
          {options()}
        </select>
      </label>
      <label>
        To version
        <select name="to" value={String(pair.to)} onChange={pick('to')}>
          {options()}
        </select>
      </label>
      <button type="submit" disabled={pair.from === pair.to}>
        Compare
      </button>
    </form>
  );
};

const Configuration = ({ name, versions }: { name: string; versions: ConfigVersion[] }) => {
  const latest = versions.at(-1)?.version ?? null;
  const initial: Shown | null = latest === null ? null : latest > 1 ? { kind: 'diff', from: latest - 1, to: latest } : { kind: 'config', version: latest };
  const [chosen, setChosen] = useState<Shown | null>(null);
  const shown = chosen ?? initial;
  const heading = useRef<HTMLHeadingElement>(null);
  const moveFocus = useRef(false);
  const show = (next: Shown) => {
    moveFocus.current = true;
    setChosen(next);
  };
  useEffect(() => {
    if (moveFocus.current) heading.current?.focus();
    moveFocus.current = false;
  }, [chosen]);
  const diffKey = shown?.kind === 'diff' ? `${shown.from}-${shown.to}` : null;
  const diff = useLoad(
    () =>
      shown?.kind === 'diff' ? api<ConfigDiff>(`/api/v1/configurations/${envPath(name)}/diff?from=${shown.from}&to=${shown.to}`) : Promise.resolve(null),
    [name, diffKey, latest],
  );
  if (latest === null) return <p class="empty-state">No configuration recorded yet (PUT /api/v1/configurations).</p>;
  const byVersion = [...versions].reverse();
  const config = shown?.kind === 'config' ? versions.find((v) => v.version === shown.version) : undefined;
  return (
    <>
      <div class="table-scroll">
        <table class="versions">
          <caption>Configuration versions of {name}, newest first (each version is immutable)</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Recorded</th>
              <th scope="col">By</th>
              <th scope="col">Note</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {byVersion.map((v) => (
              <tr key={v.version} aria-current={(shown?.kind === 'diff' ? shown.to : shown?.version) === v.version ? 'true' : undefined}>
                <th scope="row">
                  v{v.version}
                  {v.version === latest && <span class="meta"> (current)</span>}
                </th>
                <td>
                  <time dateTime={v.created_at}>{when(v.created_at)}</time>
                </td>
                <td>{v.created_by}</td>
                <td>{v.restored_from !== null ? `Restored from v${v.restored_from}` : v.version === 1 ? 'First version' : ''}</td>
                <td class="row-actions">
                  {v.version > 1 && (
                    <button
                      type="button"
                      aria-pressed={shown?.kind === 'diff' && shown.from === v.version - 1 && shown.to === v.version}
                      onClick={() => show({ kind: 'diff', from: v.version - 1, to: v.version })}
                    >
                      Diff against v{v.version - 1}
                    </button>
                  )}{' '}
                  <button type="button" aria-pressed={shown?.kind === 'config' && shown.version === v.version} onClick={() => show({ kind: 'config', version: v.version })}>
                    Show v{v.version}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {versions.length > 1 && <CompareForm key={diffKey ?? 'none'} versions={versions} from={shown?.kind === 'diff' ? shown.from : latest - 1} to={shown?.kind === 'diff' ? shown.to : latest} onCompare={show} />}
      <div class="config-panel" aria-live="polite">
        {shown?.kind === 'diff' && (
          <>
            <h3 ref={heading} tabIndex={-1}>
              Changes from v{shown.from} to v{shown.to}
            </h3>
            <ErrorBanner error={diff.error} />
            {diff.data && diff.data.from === shown.from && diff.data.to === shown.to ? <DiffTable diff={diff.data} /> : !diff.error && <p>Loading the diff…</p>}
          </>
        )}
        {shown?.kind === 'config' && config && (
          <>
            <h3 ref={heading} tabIndex={-1}>
              Version {config.version}
            </h3>
            <pre class="config">
              <code>{json(config.config)}</code>
            </pre>
          </>
        )}
      </div>
    </>
  );
};

// ---- Variables --------------------------------------------------------------------------------------------

const Variables = ({ name, variables }: { name: string; variables: Variable[] }) => {
  if (variables.length === 0) return <p class="empty-state">No variables set for {name}.</p>;
  const sorted = [...variables].sort((a, b) => (a.product ?? '').localeCompare(b.product ?? '') || a.name.localeCompare(b.name));
  return (
    <div class="table-scroll">
      <table class="variables">
        <caption>Variables of {name}; secret values are write-only and never shown</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Applies to</th>
            <th scope="col">Value</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((v) => (
            <tr key={v.id}>
              <th scope="row">
                <code>{v.name}</code>
              </th>
              <td>{v.product ? <a href={href('history', { product: v.product, environment: name })}>{v.product}</a> : 'All products'}</td>
              <td>
                {v.secret ? (
                  <span class="secret">
                    <span aria-hidden="true">•••••• </span>(secret)
                  </span>
                ) : v.value === '' ? (
                  <span class="absent">(empty)</span>
                ) : (
                  <code class="value">{v.value}</code>
                )}
              </td>
              <td>
                <time dateTime={v.updated_at}>{when(v.updated_at)}</time> <span class="meta">by {v.updated_by}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};

// ---- Pages ------------------------------------------------------------------------------------------------

const touches = (changes: Change[], name?: string) =>
  changes.length === 0 || changes.some((c) => c.type.startsWith('environment.') && (name === undefined || c.environment === undefined || c.environment === name));

const EnvironmentList = () => {
  const list = useLoad(() => api<{ items: EnvironmentSummary[] }>('/api/v1/environments'), []);
  useLiveChanges((changes) => touches(changes) && list.reload());
  return (
    <section aria-labelledby="environments-title">
      <header class="view-header">
        <h1 id="environments-title">Environments</h1>
      </header>
      <ErrorBanner error={list.error} />
      {!list.data && !list.error && <p>Loading environments…</p>}
      {list.data &&
        (list.data.items.length === 0 ? (
          <p class="empty-state">No environments yet: they are created by the first deployment reported to them, or with POST /api/v1/environments.</p>
        ) : (
          <div class="table-scroll">
            <table class="environments">
              <caption>Environments in promotion order</caption>
              <thead>
                <tr>
                  <th scope="col">Environment</th>
                  <th scope="col">Type</th>
                  <th scope="col">Production</th>
                  <th scope="col">Promotes to</th>
                  <th scope="col">Health</th>
                  <th scope="col">Lock</th>
                  <th scope="col">Configuration</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((e) => (
                  <tr key={e.name} class={lockActive(e.lock) ? 'locked' : undefined}>
                    <th scope="row">
                      <EnvLink name={e.name} />
                    </th>
                    <td>{e.type ?? '—'}</td>
                    <td>{yesNo(e.production)}</td>
                    <td>{e.promotes_to ? <EnvLink name={e.promotes_to} /> : '—'}</td>
                    <td>
                      <HealthBadge status={e.status} />
                    </td>
                    <td>
                      <LockState lock={e.lock} />
                    </td>
                    <td>{e.config_version === null ? '—' : `v${e.config_version}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
};

const EnvironmentPage = ({ name, me }: { name: string; me: Me }) => {
  const list = useLoad(() => api<{ items: EnvironmentSummary[] }>('/api/v1/environments'), [name]);
  const settings = useLoad(() => api<{ name: string; settings: Settings }>(`/api/v1/environments/${envPath(name)}`), [name]);
  const versions = useLoad(() => api<{ items: ConfigVersion[] }>(`/api/v1/configurations/${envPath(name)}/versions`), [name]);
  const variables = useLoad(() => api<{ items: Variable[] }>(`/api/v1/environments/${envPath(name)}/variables`), [name]);
  const reloadAll = () => {
    list.reload();
    settings.reload();
    versions.reload();
  };
  useLiveChanges((changes) => {
    if (!touches(changes, name)) return;
    reloadAll();
    if (changes.length === 0) variables.reload(); // variable changes are not streamed: refetch on (re)connection
  });
  useEffect(() => {
    document.title = `${name} · Environments · Shiplog`;
    return () => void (document.title = 'Shiplog');
  }, [name]);

  const known = list.data ? list.data.items.some((e) => e.name === name) : null;
  const s = settings.data?.settings ?? null;
  const upstream = (list.data?.items ?? []).filter((e) => e.promotes_to === name).map((e) => e.name);
  return (
    <section aria-labelledby="environment-title">
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href={href('environments')}>Environments</a> <span aria-hidden="true">/</span> <span aria-current="page">{name}</span>
      </nav>
      <header class="view-header">
        <h1 id="environment-title">{name}</h1>
        {s && known && (
          <p class="badges">
            {s.production && <span class="tag">Production</span>} <HealthBadge status={s.status} /> {lockActive(s.lock) && <LockState lock={s.lock} />}
          </p>
        )}
      </header>
      <ErrorBanner error={list.error ?? settings.error} />
      {known === false ? (
        <p class="empty-state">
          There is no environment named <strong>{name}</strong>. <a href={href('environments')}>See all environments</a>.
        </p>
      ) : !s || known === null ? (
        !settings.error && <p>Loading {name}…</p>
      ) : (
        <>
          <LockSection name={name} lock={s.lock} canLock={roleAllows(me.role, 'operator')} onChanged={reloadAll} />
          <section aria-labelledby="settings-title">
            <h2 id="settings-title">Settings</h2>
            <SettingsFacts settings={s} />
            {roleAllows(me.role, 'admin') && (
              <p class="hint">
                Admins change these with <code>PATCH /api/v1/environments/{name}</code>.
              </p>
            )}
          </section>
          <section aria-labelledby="policies-title">
            <h2 id="policies-title">Policies</h2>
            <PolicyFacts policies={s.policies} upstream={upstream} />
          </section>
          <section aria-labelledby="config-title">
            <h2 id="config-title">Configuration</h2>
            <ErrorBanner error={versions.error} />
            {versions.data ? <Configuration key={name} name={name} versions={versions.data.items} /> : !versions.error && <p>Loading configuration versions…</p>}
          </section>
          <section aria-labelledby="variables-title">
            <h2 id="variables-title">Variables</h2>
            <ErrorBanner error={variables.error} />
            {variables.data ? <Variables name={name} variables={variables.data.items} /> : !variables.error && <p>Loading variables…</p>}
          </section>
        </>
      )}
    </section>
  );
};

/** `#/environments`: the list in promotion order; `#/environments/<name>`: one environment's settings, policies, lock, configuration and variables. */
export const Environments = ({ env, me }: { env: string | null; me: Me }) => (env ? <EnvironmentPage key={env} name={env} me={me} /> : <EnvironmentList />);

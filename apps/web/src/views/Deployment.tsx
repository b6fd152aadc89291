import { useEffect, useRef, useState } from 'preact/hooks';
import { api, roleAllows, stream, type Me } from '../api';
import { ConfirmAction, ErrorBanner, StatusBadge, useLoad } from '../components';
import { duration, when } from '../format';
import { useLiveChanges } from '../live';
import { href } from '../router';

type Actor = { kind: string; id: string; name: string };
type TimelineEntry = { event_id: string; type: string; occurred_at: string; recorded_at: string; actor: Actor; reason?: string; late?: true };
type Deployment = {
  id: string;
  product: string;
  environment: string;
  version: string;
  status: string;
  kind: string;
  phase: string | null;
  reason: string | null;
  requested_by: string | null;
  deployed_by: string | null;
  is_rollback: boolean;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_seconds: number | null;
  scm_sha: string | null;
  build_url: string | null;
  extra_metadata: Record<string, unknown>;
  approvals_required: number;
  approvals: { approver: string; at: string }[];
  build: { status: string; build_url: string | null; scm_sha: string | null; duration_seconds: number | null } | null;
  events: TimelineEntry[];
};
type Step = { number: number; kind: string; traffic_percent: number; status: string; started_at: string | null; completed_at: string | null };
type StrategyStatus = {
  strategy: string;
  strategy_status: string | null;
  traffic_percent: number;
  next_step_due_at: string | null;
  health: string;
  run: { steps: Step[]; health: { failed_checks: number; max_failed_checks: number; detail: string | null }; abort: { reason: string } | null } | null;
};
type LogLine = { seq: number; at: string; stream: string; line: string };
type Environment = { name: string; promotes_to: string | null };

const IN_FLIGHT = ['pending', 'started'];

/** Seconds between an event and the one before it: where the time went. */
const gap = (events: TimelineEntry[], index: number): string => {
  const previous = events[index - 1];
  const current = events[index];
  return previous && current ? `+${duration((Date.parse(current.occurred_at) - Date.parse(previous.occurred_at)) / 1000)}` : '';
};

/** The deployment log, live while the deployment runs (SSE), newest lines kept in view. */
const LogTail = ({ id, live }: { id: string; live: boolean }) => {
  const [lines, setLines] = useState<LogLine[]>([]);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    setLines([]);
    const controller = new AbortController();
    if (live) {
      stream(`/api/deployments/${encodeURIComponent(id)}/logs?follow=1`, (message) => {
        if (message.event === 'line') setLines((all) => [...all.slice(-1999), JSON.parse(message.data) as LogLine]);
      }, controller.signal, () => setLines([]));
    } else {
      api<{ items: LogLine[] }>(`/api/deployments/${encodeURIComponent(id)}/logs`).then((page) => setLines(page.items), () => setLines([]));
    }
    return () => controller.abort();
  }, [id, live]);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);
  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">Log{live ? ' (live)' : ''}</h2>
      {lines.length === 0 ? (
        <p class="empty-state">No log lines.</p>
      ) : (
        <pre class="log" ref={box} tabIndex={0} aria-label="Deployment log">
          {lines.map((l) => (
            <span key={l.seq} class={`log-${l.stream}`}>
              {l.line}
              {'\n'}
            </span>
          ))}
        </pre>
      )}
    </section>
  );
};

const StrategyPanel = ({ status, onSteer, canSteer }: { status: StrategyStatus; onSteer: (verb: string, reason: string) => Promise<unknown>; canSteer: boolean }) => {
  const run = status.run;
  if (!run) return null;
  const steerable = status.strategy_status === 'running' || status.strategy_status === 'paused';
  return (
    <section aria-labelledby="strategy-title">
      <h2 id="strategy-title">
        {status.strategy} strategy: {status.strategy_status}
      </h2>
      <div class="traffic" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={status.traffic_percent} aria-label="Traffic on the new version">
        <div class="traffic-bar" style={{ width: `${status.traffic_percent}%` }} />
        <span>{status.traffic_percent} % of traffic on the new version</span>
      </div>
      <p>
        Health: {status.health}
        {run.health.failed_checks > 0 ? ` (${run.health.failed_checks} of ${run.health.max_failed_checks} failed checks allowed: ${run.health.detail ?? ''})` : ''}
        {status.next_step_due_at ? ` · next step at ${when(status.next_step_due_at)}` : ''}
      </p>
      {run.abort && <p class="error-text">Aborted: {run.abort.reason}</p>}
      <ol class="steps">
        {run.steps.map((step) => (
          <li key={step.number} class={`step step-${step.status}`}>
            <span>
              Step {step.number}: {step.kind} {step.traffic_percent} %
            </span>
            <span>{step.status}</span>
            <span>{step.started_at ? when(step.started_at) : ''}</span>
          </li>
        ))}
      </ol>
      {canSteer && steerable && (
        <div class="actions">
          {status.strategy_status === 'running' ? (
            <ConfirmAction label="Pause" title="Pause the strategy" description="Traffic stays at its current weight; a step in flight still finishes." onConfirm={(reason) => onSteer('pause', reason)} />
          ) : (
            <ConfirmAction label="Resume" title="Resume the strategy" description="A step whose wait has passed starts at once." onConfirm={() => onSteer('resume', '')} />
          )}
          <ConfirmAction label="Promote now" title="Promote now" description="Skip the remaining steps: the new version gets 100 % next." onConfirm={(reason) => onSteer('promote-now', reason)} />
          <ConfirmAction label="Abort" danger title="Abort the strategy" description="Traffic goes back to the stable version; the deployment ends aborted." onConfirm={(reason) => onSteer('abort', reason)} />
        </div>
      )}
    </section>
  );
};

/** One deployment: its timeline, build, strategy steps and health, live log, and the actions the role allows. */
export const DeploymentDetail = ({ id, me }: { id: string; me: Me }) => {
  const path = `/deployments/${encodeURIComponent(id)}`;
  const deployment = useLoad(() => api<Deployment>(path), [id]);
  const strategy = useLoad(() => api<StrategyStatus>(`/api/v1/deployments/${encodeURIComponent(id)}/status`), [id]);
  const environments = useLoad(() => api<{ items: Environment[] }>('/api/v1/environments'), []);
  const [actionError, setActionError] = useState<unknown>(null);
  const d = deployment.data;
  useLiveChanges((changes) => {
    if (changes.length === 0 || changes.some((c) => c.deployment_id === id || (d && c.product === d.product && c.environment === d.environment))) {
      deployment.reload();
      strategy.reload();
    }
  });
  if (!d) return <ErrorBanner error={deployment.error} />;

  const operator = roleAllows(me.role, 'operator');
  const inFlight = IN_FLIGHT.includes(d.status);
  const awaitingApproval = d.phase === 'awaiting_approval';
  const promotesTo = environments.data?.items.find((e) => e.name === d.environment)?.promotes_to ?? null;
  const act = async (run: () => Promise<{ deployment_id?: string | null } | unknown>) => {
    setActionError(null);
    const result = (await run()) as { deployment_id?: string | null } | undefined;
    deployment.reload();
    strategy.reload();
    if (result && typeof result === 'object' && result.deployment_id && result.deployment_id !== id) location.hash = href(`deployments/${result.deployment_id}`);
  };
  const post = (url: string, body: Record<string, unknown>) => act(() => api(url, { method: 'POST', body }));
  const withReason = (reason: string) => (reason ? { reason } : {});
  const error = d.extra_metadata['error'];

  return (
    <article aria-labelledby="deployment-title">
      <header class="view-header">
        <h1 id="deployment-title">
          {d.product} {d.version} → {d.environment}
        </h1>
        <StatusBadge status={d.status} label={d.phase ? `${d.status} (${d.phase.replace('_', ' ')})` : undefined} />
      </header>
      <ErrorBanner error={deployment.error ?? actionError} />
      <dl class="facts">
        <dt>Kind</dt>
        <dd>{d.is_rollback ? 'rollback' : d.kind}</dd>
        <dt>By</dt>
        <dd>{d.deployed_by ?? d.requested_by ?? '—'}</dd>
        {d.reason && (
          <>
            <dt>Reason</dt>
            <dd>{d.reason}</dd>
          </>
        )}
        <dt>Started</dt>
        <dd>{when(d.started_at ?? d.created_at)}</dd>
        <dt>Duration</dt>
        <dd>{duration(d.duration_seconds)}</dd>
        <dt>Commit</dt>
        <dd>{d.scm_sha ?? d.build?.scm_sha ?? '—'}</dd>
        <dt>Build</dt>
        <dd>
          {d.build ? <StatusBadge status={d.build.status} /> : '—'}{' '}
          {(d.build_url ?? d.build?.build_url) && (
            <a href={(d.build_url ?? d.build?.build_url)!} rel="noopener noreferrer" target="_blank">
              build log
            </a>
          )}
        </dd>
        {typeof error === 'string' && (
          <>
            <dt>Error</dt>
            <dd class="error-text">{error}</dd>
          </>
        )}
      </dl>

      {operator && (
        <div class="actions" aria-label="Actions">
          {inFlight && (
            <ConfirmAction label="Cancel" danger title={`Cancel ${d.product} ${d.version}`} description="Not started yet: it is aborted at once. Running: its executor is told to stop." onConfirm={(reason) => post(`/api/deployments/${id}/cancel`, withReason(reason))} />
          )}
          {!inFlight && (
            <ConfirmAction
              label="Rollback"
              danger
              title={`Roll back ${d.product} in ${d.environment}`}
              description="Deploys the previous successful version and pins the lane until someone unpins it."
              reasonRequired
              onConfirm={(reason) => post(`/api/deployments/${id}/rollback`, withReason(reason))}
            />
          )}
          {d.status === 'completed' && promotesTo && (
            <ConfirmAction
              label="Promote"
              title={`Promote ${d.product} ${d.version} to ${promotesTo}`}
              description={`Deploys ${d.version} to ${promotesTo}, through its policies and approvals.`}
              onConfirm={(reason) => post('/api/v1/promotions', { product: d.product, from: d.environment, to: promotesTo, version: d.version, ...withReason(reason) })}
            />
          )}
          {awaitingApproval && d.requested_by !== me.id && (
            <>
              <ConfirmAction label="Approve" title={`Approve ${d.product} ${d.version} → ${d.environment}`} description={`${d.approvals.length} of ${d.approvals_required} approvals so far.`} onConfirm={(comment) => post(`/api/v1/deployments/${id}/approve`, comment ? { comment } : {})} />
              <ConfirmAction label="Reject" danger title={`Reject ${d.product} ${d.version} → ${d.environment}`} description="One rejection ends the request." onConfirm={(comment) => post(`/api/v1/deployments/${id}/reject`, comment ? { comment } : {})} />
            </>
          )}
        </div>
      )}

      {strategy.data && <StrategyPanel status={strategy.data} canSteer={operator} onSteer={(verb, reason) => post(`/api/v1/deployments/${id}/${verb}`, verb === 'resume' ? {} : withReason(reason))} />}

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <ol class="timeline">
          {d.events.map((event, index) => (
            <li key={event.event_id}>
              <time dateTime={event.occurred_at}>{when(event.occurred_at)}</time> <span class="gap">{gap(d.events, index)}</span> <strong>{event.type.replace('deployment.', '')}</strong> by{' '}
              {event.actor.name}
              {event.reason ? ` — ${event.reason}` : ''}
              {event.late ? ' (reported late)' : ''}
            </li>
          ))}
        </ol>
      </section>
      <LogTail id={id} live={inFlight} />
    </article>
  );
};

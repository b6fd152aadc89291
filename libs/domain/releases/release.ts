import { assertNever } from '../shared/assert-never';
import { DomainError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/event';

/**
 * A release (seed 002 §4) ships several applications to one environment, one after another. It starts when it
 * is approved and its start time has come; the first application that fails stops it, and the applications it
 * already deployed are rolled back (by the release saga, which issues the lane commands).
 */
export type ReleaseApplication = { product: string; version: string };
export type ApplicationStatus = 'pending' | 'deploying' | 'completed' | 'failed' | 'skipped';
export type ReleaseStatus = 'awaiting_approval' | 'scheduled' | 'deploying' | 'completed' | 'failed' | 'cancelled' | 'rejected';

type ReleaseRef = { release_id: string; occurred_at: string };
export type ReleasePlanned = DomainEvent<
  'release.planned',
  ReleaseRef & { name: string; environment: string; applications: ReleaseApplication[]; start_time: string | null; duration_minutes: number | null; approvals_required: number; created_by: string }
>;
export type ReleaseApproved = DomainEvent<'release.approved', ReleaseRef & { approver: string }>;
export type ReleaseRejected = DomainEvent<'release.rejected', ReleaseRef & { approver: string; comment: string | null }>;
export type ReleaseStarted = DomainEvent<'release.started', ReleaseRef>;
/** `previous_version`: what ran in the environment before (null: nothing), the version a rollback restores. */
export type ReleaseApplicationDispatched = DomainEvent<'release.application_dispatched', ReleaseRef & ReleaseApplication & { deployment_id: string; previous_version: string | null }>;
/** An application to roll back to the version it replaced. */
export type RollBackTarget = { product: string; from_version: string; to_version: string | null };
export type ReleaseApplicationCompleted = DomainEvent<'release.application_completed', ReleaseRef & ReleaseApplication & { deployment_id: string }>;
export type ReleaseApplicationFailed = DomainEvent<'release.application_failed', ReleaseRef & ReleaseApplication & { deployment_id: string | null; reason: string }>;
export type ReleaseCompleted = DomainEvent<'release.completed', ReleaseRef>;
/** `roll_back`: the applications already deployed that changed the environment, newest first, for the saga to roll back. */
export type ReleaseFailed = DomainEvent<'release.failed', ReleaseRef & { reason: string; roll_back: RollBackTarget[] }>;
export type ReleaseCancelled = DomainEvent<'release.cancelled', ReleaseRef & { cancelled_by: string; reason: string | null; roll_back: RollBackTarget[] }>;
export type ReleaseEvent =
  | ReleasePlanned
  | ReleaseApproved
  | ReleaseRejected
  | ReleaseStarted
  | ReleaseApplicationDispatched
  | ReleaseApplicationCompleted
  | ReleaseApplicationFailed
  | ReleaseCompleted
  | ReleaseFailed
  | ReleaseCancelled;

export const RELEASE_EVENT_TYPES: readonly ReleaseEvent['type'][] = [
  'release.planned',
  'release.approved',
  'release.rejected',
  'release.started',
  'release.application_dispatched',
  'release.application_completed',
  'release.application_failed',
  'release.completed',
  'release.failed',
  'release.cancelled',
];
export const releaseStream = (releaseId: string): string => `release-${releaseId}`;

export type CreateRelease = {
  type: 'CreateRelease';
  data: { release_id: string; name: string; environment: string; applications: ReleaseApplication[]; start_time?: string; duration_minutes?: number; approvals_required: number; created_by: string };
};
export type ApproveRelease = { type: 'ApproveRelease'; data: { approver: string } };
export type RejectRelease = { type: 'RejectRelease'; data: { approver: string; comment?: string } };
/** Asked by the saga when the release may be due; starts it only if approved and its time has come. */
export type StartRelease = { type: 'StartRelease'; data: Record<string, never> };
export type RecordDispatch = { type: 'RecordDispatch'; data: { product: string; deployment_id: string; previous_version: string | null } };
export type RecordOutcome = { type: 'RecordOutcome'; data: { product: string; deployment_id: string | null; outcome: 'completed' | 'failed'; reason?: string } };
export type CancelRelease = { type: 'CancelRelease'; data: { cancelled_by: string; reason?: string } };
export type ReleaseCommand = CreateRelease | ApproveRelease | RejectRelease | StartRelease | RecordDispatch | RecordOutcome | CancelRelease;

export type ReleaseState = {
  readonly id: string | null;
  readonly status: ReleaseStatus | null;
  readonly environment: string | null;
  readonly createdBy: string | null;
  readonly startTime: string | null;
  readonly approvalsRequired: number;
  readonly approvers: readonly string[];
  readonly applications: readonly (ReleaseApplication & { status: ApplicationStatus; deployment_id: string | null; previous_version: string | null })[];
};
export const initialReleaseState: ReleaseState = { id: null, status: null, environment: null, createdBy: null, startTime: null, approvalsRequired: 0, approvers: [], applications: [] };

export class ReleaseNotFound extends DomainError {
  readonly code = 'release-not-found';
  constructor(releaseId: string) {
    super(`No release ${releaseId}.`, [{ field: 'release_id', message: 'unknown release' }]);
  }
}

export class ReleaseConflict extends DomainError {
  readonly code = 'release-conflict';
  constructor(detail: string, field: string, accepted?: readonly string[]) {
    super(detail, [{ field, message: detail, ...(accepted ? { accepted } : {}) }]);
  }
}

const FINISHED: readonly ReleaseStatus[] = ['completed', 'failed', 'cancelled', 'rejected'];
/** Completed applications that changed what runs (a redeploy of the running version changed nothing), newest first. */
const deployed = (state: ReleaseState): RollBackTarget[] =>
  state.applications
    .filter((a) => a.status === 'completed' && a.previous_version !== a.version)
    .map((a) => ({ product: a.product, from_version: a.version, to_version: a.previous_version }))
    .reverse();

const current = (state: ReleaseState) => state.applications.find((a) => a.status === 'deploying');

export const decideRelease = (command: ReleaseCommand, state: ReleaseState, now: Date): ReleaseEvent[] => {
  const at = now.toISOString();
  if (command.type === 'CreateRelease') {
    if (state.id) return []; // the same id again is a retry
    const { data } = command;
    const products = data.applications.map((a) => a.product);
    const repeated = products.find((p, i) => products.indexOf(p) !== i);
    if (repeated) throw new ReleaseConflict(`Application ${repeated} appears twice; a release ships one version of each application.`, 'applications');
    return [
      {
        type: 'release.planned',
        data: {
          release_id: data.release_id,
          occurred_at: at,
          name: data.name,
          environment: data.environment,
          applications: data.applications,
          start_time: data.start_time ?? null,
          duration_minutes: data.duration_minutes ?? null,
          approvals_required: data.approvals_required,
          created_by: data.created_by,
        },
      },
    ];
  }
  if (!state.id || !state.status) throw new ReleaseNotFound('(new)');
  const ref = { release_id: state.id, occurred_at: at };
  switch (command.type) {
    case 'ApproveRelease':
    case 'RejectRelease': {
      const verb = command.type === 'ApproveRelease' ? 'approve' : 'reject';
      if (state.status !== 'awaiting_approval') throw new ReleaseConflict(`Release ${state.id} is ${state.status}, not awaiting approval.`, 'status', ['awaiting_approval']);
      if (command.data.approver === state.createdBy) throw new ReleaseConflict(`The creator of a release cannot ${verb} it.`, 'approver');
      if (command.type === 'RejectRelease') return [{ type: 'release.rejected', data: { ...ref, approver: command.data.approver, comment: command.data.comment ?? null } }];
      if (state.approvers.includes(command.data.approver)) return [];
      return [{ type: 'release.approved', data: { ...ref, approver: command.data.approver } }];
    }
    case 'StartRelease': {
      const due = state.startTime === null || state.startTime <= at;
      return state.status === 'scheduled' && due ? [{ type: 'release.started', data: ref }] : [];
    }
    case 'RecordDispatch': {
      const app = state.applications.find((a) => a.product === command.data.product);
      if (state.status !== 'deploying' || !app || app.status !== 'pending' || current(state)) return [];
      return [{ type: 'release.application_dispatched', data: { ...ref, product: app.product, version: app.version, deployment_id: command.data.deployment_id, previous_version: command.data.previous_version } }];
    }
    case 'RecordOutcome': {
      const { product, deployment_id, outcome } = command.data;
      const app = state.applications.find((a) => a.product === product);
      const awaited = app && state.status === 'deploying' && (app.status === 'deploying' ? app.deployment_id === deployment_id : app.status === 'pending' && deployment_id === null);
      if (!app || !awaited) return [];
      const application = { product: app.product, version: app.version };
      if (outcome === 'completed') {
        if (deployment_id === null) return [];
        const done: ReleaseEvent = { type: 'release.application_completed', data: { ...ref, ...application, deployment_id } };
        const last = state.applications.every((a) => a === app || a.status === 'completed');
        return last ? [done, { type: 'release.completed', data: ref }] : [done];
      }
      const reason = command.data.reason ?? 'deployment failed';
      return [
        { type: 'release.application_failed', data: { ...ref, ...application, deployment_id, reason } },
        { type: 'release.failed', data: { ...ref, reason: `${app.product} ${app.version}: ${reason}`, roll_back: deployed(state) } },
      ];
    }
    case 'CancelRelease': {
      if (FINISHED.includes(state.status)) throw new ReleaseConflict(`Release ${state.id} is already ${state.status}.`, 'status', ['awaiting_approval', 'scheduled', 'deploying']);
      return [{ type: 'release.cancelled', data: { ...ref, cancelled_by: command.data.cancelled_by, reason: command.data.reason ?? null, roll_back: deployed(state) } }];
    }
    default:
      return assertNever(command);
  }
};

const setApplication = (state: ReleaseState, product: string, status: ApplicationStatus, dispatch?: { deployment_id: string; previous_version: string | null }): ReleaseState => ({
  ...state,
  applications: state.applications.map((a) => (a.product === product ? { ...a, status, ...dispatch } : a)),
});

const skipPending = (state: ReleaseState): ReleaseState['applications'] => state.applications.map((a) => (a.status === 'pending' ? { ...a, status: 'skipped' } : a));

export const evolveRelease = (state: ReleaseState, event: ReleaseEvent): ReleaseState => {
  switch (event.type) {
    case 'release.planned': {
      const { data } = event;
      return {
        id: data.release_id,
        status: data.approvals_required > 0 ? 'awaiting_approval' : 'scheduled',
        environment: data.environment,
        createdBy: data.created_by,
        startTime: data.start_time,
        approvalsRequired: data.approvals_required,
        approvers: [],
        applications: data.applications.map((a) => ({ ...a, status: 'pending', deployment_id: null, previous_version: null })),
      };
    }
    case 'release.approved': {
      const approvers = [...state.approvers, event.data.approver];
      return { ...state, approvers, status: approvers.length >= state.approvalsRequired ? 'scheduled' : state.status };
    }
    case 'release.rejected':
      return { ...state, status: 'rejected', applications: skipPending(state) };
    case 'release.started':
      return { ...state, status: 'deploying' };
    case 'release.application_dispatched':
      return setApplication(state, event.data.product, 'deploying', { deployment_id: event.data.deployment_id, previous_version: event.data.previous_version });
    case 'release.application_completed':
      return setApplication(state, event.data.product, 'completed');
    case 'release.application_failed':
      return setApplication(state, event.data.product, 'failed');
    case 'release.completed':
      return { ...state, status: 'completed' };
    case 'release.failed':
      return { ...state, status: 'failed', applications: skipPending(state) };
    case 'release.cancelled':
      return { ...state, status: 'cancelled', applications: skipPending(state) };
    default:
      return assertNever(event);
  }
};

/** The next application to deploy, if the release is deploying and none is under way. */
export const nextApplication = (state: ReleaseState): ReleaseApplication | null => {
  if (state.status !== 'deploying' || current(state)) return null;
  const next = state.applications.find((a) => a.status === 'pending');
  return next ? { product: next.product, version: next.version } : null;
};

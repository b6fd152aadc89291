import { assertNever } from '../shared/assert-never';
import type { DomainEvent } from '../shared/event';
import { FirstWins } from '../shared/first-wins';

/** What a timer does when it fires: a command for a saga to issue. */
export type TimerAction =
  | { type: 'DispatchDeployment'; product: string; environment: string; deployment_id: string }
  | { type: 'Promote'; product: string; from: string; to: string; version: string; source_deployment_id: string }
  | { type: 'StartRelease'; release_id: string }
  /** A strategy run's wait is over: its saga starts the step (after a last health probe). */
  | { type: 'StrategyStepDue'; product: string; environment: string; deployment_id: string; step_index: number };

export type TimerScheduled = DomainEvent<'timer.scheduled', { timer_id: string; due_at: string; action: TimerAction }>;
export type TimerFired = DomainEvent<'timer.fired', { timer_id: string; due_at: string; fired_at: string; action: TimerAction }>;
export type TimerCancelled = DomainEvent<'timer.cancelled', { timer_id: string; cancelled_at: string }>;
export type TimerEvent = TimerScheduled | TimerFired | TimerCancelled;

export const TIMER_EVENT_TYPES: readonly TimerEvent['type'][] = ['timer.scheduled', 'timer.fired', 'timer.cancelled'];
export const TIMERS_STREAM = 'timers';

export type ScheduleTimer = { type: 'ScheduleTimer'; data: { timer_id: string; due_at: string; action: TimerAction } };
export type FireTimer = { type: 'FireTimer'; data: { timer_id: string } };
export type CancelTimer = { type: 'CancelTimer'; data: { timer_id: string } };
export type TimerCommand = ScheduleTimer | FireTimer | CancelTimer;

export type PendingTimer = { timer_id: string; due_at: string; action: TimerAction };
/** `done`: ids that fired or were cancelled, add-only and shared between successive states (a set copied per event made each fire O(all timers)). */
export type TimersState = { readonly pending: Readonly<Record<string, PendingTimer>>; readonly done: FirstWins<true> };
export const initialTimersState: TimersState = { pending: {}, done: FirstWins.empty() };

/** Durable timers: each id is scheduled once and fires (or is cancelled) once, whatever restarts happen. */
export const decideTimers = (command: TimerCommand, state: TimersState, now: Date): TimerEvent[] => {
  const id = command.data.timer_id;
  const pending = state.pending[id];
  switch (command.type) {
    case 'ScheduleTimer':
      return pending || state.done.has(id) ? [] : [{ type: 'timer.scheduled', data: command.data }];
    case 'FireTimer':
      return pending ? [{ type: 'timer.fired', data: { ...pending, fired_at: now.toISOString() } }] : [];
    case 'CancelTimer':
      return pending ? [{ type: 'timer.cancelled', data: { timer_id: id, cancelled_at: now.toISOString() } }] : [];
    default:
      return assertNever(command);
  }
};

export const evolveTimers = (state: TimersState, event: TimerEvent): TimersState => {
  switch (event.type) {
    case 'timer.scheduled':
      return { ...state, pending: { ...state.pending, [event.data.timer_id]: event.data } };
    case 'timer.fired':
    case 'timer.cancelled': {
      const { [event.data.timer_id]: _gone, ...pending } = state.pending;
      return { pending, done: state.done.add(event.data.timer_id, true) };
    }
    default:
      return assertNever(event);
  }
};

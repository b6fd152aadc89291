import { specFor } from '../../testing/given-when-then';
import { decideTimers, evolveTimers, initialTimersState, type TimerAction, type TimerCommand, type TimerEvent } from './timers';

const NOW = '2026-11-23T10:00:00.000Z';
const given = specFor<TimerCommand, TimerEvent, typeof initialTimersState, Date>({ decide: decideTimers, evolve: evolveTimers, initialState: initialTimersState }, () => new Date(NOW));
const action: TimerAction = { type: 'DispatchDeployment', product: 'api', environment: 'prod', deployment_id: 'd-1' };
const scheduled: TimerEvent = { type: 'timer.scheduled', data: { timer_id: 't-1', due_at: '2026-11-23T11:00:00.000Z', action } };
const fired: TimerEvent = { type: 'timer.fired', data: { timer_id: 't-1', due_at: '2026-11-23T11:00:00.000Z', fired_at: NOW, action } };

describe('timers decider', () => {
  it('schedules a timer once', () => {
    given().when({ type: 'ScheduleTimer', data: scheduled.data as never }).thenEmits(scheduled);
    given(scheduled).when({ type: 'ScheduleTimer', data: scheduled.data as never }).thenNothing();
  });

  it('fires a pending timer once, and never reschedules a fired one', () => {
    given(scheduled).when({ type: 'FireTimer', data: { timer_id: 't-1' } }).thenEmits(fired);
    given(scheduled, fired).when({ type: 'FireTimer', data: { timer_id: 't-1' } }).thenNothing();
    given(scheduled, fired).when({ type: 'ScheduleTimer', data: scheduled.data as never }).thenNothing();
  });

  it('cancels a pending timer, after which it never fires', () => {
    const cancelled: TimerEvent = { type: 'timer.cancelled', data: { timer_id: 't-1', cancelled_at: NOW } };
    given(scheduled).when({ type: 'CancelTimer', data: { timer_id: 't-1' } }).thenEmits(cancelled);
    given(scheduled, cancelled).when({ type: 'FireTimer', data: { timer_id: 't-1' } }).thenNothing();
  });
});

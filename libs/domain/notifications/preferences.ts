import { BUILD_EVENT_TYPES } from '../builds/build.events';
import { assertNever } from '../shared/assert-never';
import { DomainError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/event';
import { assertKnownPatterns } from '../shared/event-types';

export const NOTIFICATIONS_STREAM = 'notifications';

/** What Slack can be told about (Versioner's event types, plus approval requests). */
export const NOTIFIABLE_EVENT_TYPES: readonly string[] = [
  'deployment.pending',
  'deployment.started',
  'deployment.completed',
  'deployment.failed',
  'deployment.aborted',
  'deployment.approval_requested',
  ...BUILD_EVENT_TYPES,
];

export type Preference = { preference_id: string; event_type: string; channel_id: string; product?: string; environment?: string };

export type PreferenceAdded = DomainEvent<'notification.preference_added', Preference & { added_at: string }>;
export type PreferenceRemoved = DomainEvent<'notification.preference_removed', { preference_id: string; removed_at: string }>;
export type PreferenceEvent = PreferenceAdded | PreferenceRemoved;

export type AddPreference = { type: 'AddPreference'; data: Preference };
export type RemovePreference = { type: 'RemovePreference'; data: { preference_id: string } };

export type PreferencesState = { readonly active: Readonly<Record<string, Preference>> };
export const initialPreferencesState: PreferencesState = { active: {} };

export class PreferenceNotFound extends DomainError {
  readonly code = 'preference-not-found';
  constructor(id: string) {
    super(`No notification preference ${id}.`, [{ field: 'id', message: 'unknown preference' }]);
  }
}

const sameTarget = (a: Preference, b: Preference) =>
  a.event_type === b.event_type && a.channel_id === b.channel_id && a.product === b.product && a.environment === b.environment;

/** Adding a preference that exists already changes nothing (Versioner clients re-post them freely). */
export const decidePreferences = (command: AddPreference | RemovePreference, state: PreferencesState, now: Date): PreferenceEvent[] => {
  switch (command.type) {
    case 'AddPreference':
      assertKnownPatterns('event_type', [command.data.event_type], NOTIFIABLE_EVENT_TYPES);
      return Object.values(state.active).some((p) => sameTarget(p, command.data)) ? [] : [{ type: 'notification.preference_added', data: { ...command.data, added_at: now.toISOString() } }];
    case 'RemovePreference':
      if (!state.active[command.data.preference_id]) throw new PreferenceNotFound(command.data.preference_id);
      return [{ type: 'notification.preference_removed', data: { preference_id: command.data.preference_id, removed_at: now.toISOString() } }];
    default:
      return assertNever(command);
  }
};

export const evolvePreferences = (state: PreferencesState, event: PreferenceEvent): PreferencesState => {
  switch (event.type) {
    case 'notification.preference_added': {
      const { added_at: _at, ...preference } = event.data;
      return { active: { ...state.active, [preference.preference_id]: preference } };
    }
    case 'notification.preference_removed': {
      const { [event.data.preference_id]: _gone, ...active } = state.active;
      return { active };
    }
    default:
      return assertNever(event);
  }
};

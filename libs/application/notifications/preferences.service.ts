import {
  decidePreferences,
  evolvePreferences,
  initialPreferencesState,
  NOTIFICATIONS_STREAM,
  type AddPreference,
  type Preference,
  type PreferenceEvent,
  type RemovePreference,
} from '../../domain/notifications/preferences';
import { matchesEventType } from '../../domain/shared/event-types';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import type { EventStore } from '../../event-store/event-store.port';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, loadStream, StreamStateCache } from '../shared/stream-command';

const PREFERENCES = { initialState: initialPreferencesState, evolve: evolvePreferences };

/** Which Slack channels hear about which events (Versioner's notification preferences), stored as events. */
export class PreferencesService {
  private readonly cache = new StreamStateCache(1);

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async add(preference: Omit<Preference, 'preference_id'>, meta: CommandMeta): Promise<Preference> {
    const candidate = { ...preference, preference_id: this.ids.next() };
    await this.execute({ type: 'AddPreference', data: candidate }, meta);
    // An identical preference already there is returned as it was.
    return (await this.list()).find((p) => p.event_type === preference.event_type && p.channel_id === preference.channel_id && p.product === preference.product && p.environment === preference.environment)!;
  }

  async remove(preferenceId: string, meta: CommandMeta): Promise<void> {
    await this.execute({ type: 'RemovePreference', data: { preference_id: preferenceId } }, meta);
  }

  async list(): Promise<Preference[]> {
    return Object.values((await loadStream(this.store, this.cache, NOTIFICATIONS_STREAM, PREFERENCES)).state.active);
  }

  /** The channels to tell about an event of `type` in `product` (and `environment`, for deployments). */
  async channelsFor(type: string, product: string, environment: string | undefined): Promise<string[]> {
    const matching = (await this.list()).filter(
      (p) => matchesEventType(p.event_type, type) && (!p.product || p.product === product) && (!p.environment || p.environment === environment),
    );
    return [...new Set(matching.map((p) => p.channel_id))];
  }

  private execute(command: AddPreference | RemovePreference, meta: CommandMeta) {
    return executeOnStream<typeof initialPreferencesState, PreferenceEvent>(this.store, this.cache, NOTIFICATIONS_STREAM, PREFERENCES, (state) => decidePreferences(command, state, this.clock.now()), meta);
  }
}

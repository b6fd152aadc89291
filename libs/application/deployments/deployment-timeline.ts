import { laneStream, type LaneEvent } from '../../domain/deployments/lane.events';
import type { Actor, EventStore, Recorded } from '../../event-store/event-store.port';

export type TimelineEntry = {
  event_id: string;
  type: string;
  occurred_at: string;
  recorded_at: string;
  position: number;
  actor: Actor;
  reason?: string;
  late?: true;
};

/** Every event of one deployment, read from its lane stream (the source of truth, not a read model). */
export const deploymentTimeline = async (store: EventStore, product: string, environment: string, deploymentId: string): Promise<TimelineEntry[]> => {
  const { events } = await store.readStream(laneStream(product, environment));
  return (events as Recorded<LaneEvent>[])
    .filter((event) => event.data.deployment_id === deploymentId)
    .map((event) => ({
      event_id: event.id,
      type: event.type,
      occurred_at: event.occurredAt,
      recorded_at: event.recordedAt,
      position: event.position,
      actor: event.metadata.actor,
      ...(event.type === 'deployment.aborted' && event.data.reason ? { reason: event.data.reason } : {}),
      ...(event.type === 'deployment.reported_late' ? { late: true as const } : {}),
    }));
};

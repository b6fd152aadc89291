import { randomUUID } from 'node:crypto';
import { describeEventImporterContract } from '../../testing/event-importer.contract';
import { describeEventStoreContract } from '../../testing/event-store.contract';
import { describeLeaseContract } from '../../testing/lease.contract';
import type { EventSerializer } from '../serializer';
import { EsdbEventStore } from './esdb-event-store';

const url = process.env.EVENTSTORE_URL;

/** Each harness writes under its own stream namespace, so runs share one server without seeing each other. */
const harness = (connectionString: string) => async () => {
  const namespace = `t${randomUUID().slice(0, 8)}-`;
  return {
    open: (options?: { serializer?: EventSerializer }) => EsdbEventStore.connect(connectionString, { namespace, ...options }),
    cleanup: async () => undefined,
  };
};

const factory = url ? harness(url) : { skip: 'EVENTSTORE_URL not set (docker compose up -d eventstore, then EVENTSTORE_URL=esdb://localhost:2113?tls=false)' };

describeEventStoreContract('eventstoredb', factory);
describeEventImporterContract('eventstoredb', factory);
describeLeaseContract('eventstoredb', factory);

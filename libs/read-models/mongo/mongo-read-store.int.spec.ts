import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describeReadStoreContract } from '../../testing/read-store.contract';
import { MongoReadStore } from './mongo-read-store';

const url = process.env.MONGODB_URL;

describeReadStoreContract(
  'mongodb',
  url
    ? async () => {
        // One database per harness: tests never see each other's data, even from another run on the same server.
        const database = `shiplog_test_${randomUUID().slice(0, 8)}`;
        return {
          open: () => MongoReadStore.connect(url, { database }),  // open() again = restart on the same database
          cleanup: async () => {
            const client = await MongoClient.connect(url, { serverSelectionTimeoutMS: 5_000 });
            try {
              await client.db(database).dropDatabase();
            } finally {
              await client.close();
            }
          },
        };
      }
    : { skip: 'MONGODB_URL not set (docker compose up mongo, then MONGODB_URL=mongodb://localhost:27017/?replicaSet=rs0)' },
);

import { describe } from 'vitest';
import { noPostgres, useTestDatabase } from '../../../test/postgres.js';
import { describeStoreContract } from '../store-contract.js';
import { openPostgresStore } from './postgres-store.js';

describe.skipIf(noPostgres())('PostgresStore', () => {
  const db = useTestDatabase();
  describeStoreContract('the PostgreSQL store', async () => {
    const store = await openPostgresStore({ url: db.url });
    return { store, close: () => store.close() };
  });
});

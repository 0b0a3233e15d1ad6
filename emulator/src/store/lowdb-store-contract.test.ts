import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe } from 'vitest';
import { openLowdbStore } from './lowdb-store.js';
import { describeStoreContract } from './store-contract.js';

/**
 * The Store contract (store-contract.ts) on the file store: a real data file, closed and opened
 * again on the same path, as PostgreSQL's run reopens one database (postgres-store.test.ts).
 */
describe('the file store', () => {
  let file = '';
  beforeAll(async () => {
    file = join(await mkdtemp(join(tmpdir(), 'fp-store-contract-')), 'sandbox.json');
  });
  describeStoreContract('the file store', async () => {
    const store = await openLowdbStore({ file });
    return { store, close: () => store.close() };
  });
});

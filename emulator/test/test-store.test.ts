import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgres } from '../src/store/postgres/migrate.js';
import { noPostgres } from './postgres.js';
import {
  dropTestStore,
  TEST_STORE_VARIABLE,
  testStoreKind,
  testStoreSetting,
} from './test-store.js';

/** The SANDBOX_TEST_STORE switch the HTTP suite's second pass runs with (.ci/run). */

let before: string | undefined;
beforeEach(() => {
  before = process.env[TEST_STORE_VARIABLE];
});
afterEach(() => {
  if (before === undefined) delete process.env[TEST_STORE_VARIABLE];
  else process.env[TEST_STORE_VARIABLE] = before;
});

describe('SANDBOX_TEST_STORE', () => {
  it('keeps the data file in the folder unless it says postgres', async () => {
    delete process.env[TEST_STORE_VARIABLE];
    expect(testStoreKind()).toBe('file');
    expect(await testStoreSetting('/tmp/x')).toBe('/tmp/x/sandbox.json');
    process.env[TEST_STORE_VARIABLE] = 'postgres';
    expect(await testStoreSetting('/tmp/x', 'file')).toBe('/tmp/x/sandbox.json');
  });

  it('refuses a store it does not know, saying which it knows', () => {
    process.env[TEST_STORE_VARIABLE] = 'mysql';
    expect(() => testStoreKind()).toThrow('use file (the default) or postgres');
  });
});

describe.skipIf(noPostgres())('SANDBOX_TEST_STORE=postgres', () => {
  it("gives a folder one database while it is used, then empties it for the next folder's sandbox", async () => {
    process.env[TEST_STORE_VARIABLE] = 'postgres';
    const url = await testStoreSetting('/tmp/fp-first');
    expect(url).toMatch(/^postgres:\/\//);
    // A restart in the same folder finds the same database.
    expect(await testStoreSetting('/tmp/fp-first')).toBe(url);

    const first = await openPostgres(url);
    await first.pool.query("INSERT INTO balances (merchant_id, balance_minor) VALUES ('1', 5)");
    await first.pool.query("UPDATE counters SET value = 7 WHERE name = 'payment_id'");
    await first.pool.end();
    await dropTestStore('/tmp/fp-first');

    expect(await testStoreSetting('/tmp/fp-second')).toBe(url);
    const second = await openPostgres(url);
    try {
      expect(second.migration.applied).toEqual([]);
      expect((await second.pool.query('SELECT * FROM balances')).rows).toEqual([]);
      const counters = await second.pool.query<{ value: number }>('SELECT value FROM counters');
      expect(counters.rows.every((row) => row.value === 0)).toBe(true);
    } finally {
      await second.pool.end();
      await dropTestStore('/tmp/fp-second');
    }
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noPostgres, useTestDatabase } from '../../../test/postgres.js';
import {
  eventually,
  holdLock,
  lockWaiters,
  rawClient,
} from '../../../test/postgres-store-helpers.js';
import { StoreWriteError } from '../store.js';
import { MERCHANT, payout } from '../store-contract-records.js';
import { payoutLock } from './postgres-locks.js';
import { openPostgresStore, type PostgresStore } from './postgres-store.js';

/** What the PostgreSQL store does when a write cannot be kept, and the nets under the domain. */
describe.skipIf(noPostgres())('PostgresStore faults', () => {
  const db = useTestDatabase();
  let store: PostgresStore;
  beforeEach(async () => {
    store = await openPostgresStore({ url: db.url });
    await store.commit({ reset: true });
  });
  afterEach(async () => {
    await store.close();
  });

  it('rejects a commit whose connection is cut, keeps nothing of it, and goes on', async () => {
    const raw = await rawClient(db.url);
    try {
      await holdLock(raw, payoutLock(2));
      // Caught at once: it may reject before the test gets to await it.
      const writing: Promise<unknown> = store
        .commit({ payouts: [payout(1), payout(2)], balances: { [MERCHANT]: 5 } })
        .catch((caught: unknown) => caught);
      const [waiter] = await eventually(async () => {
        const pids = await lockWaiters(raw);
        return pids.length > 0 ? pids : undefined;
      }, 'the commit to wait for the lock');
      await raw.query('SELECT pg_terminate_backend($1)', [waiter]);
      const error = await writing;
      expect(error).toBeInstanceOf(StoreWriteError);
      const message = (error as Error).message;
      expect(message).toMatch(
        /could not write to PostgreSQL database .*; the change was not stored/,
      );
      expect(message).toMatch(/shutting down or restarting|lost mid-way/);
      expect(message).not.toContain(new URL(db.url).password);
      await raw.query('ROLLBACK');
    } finally {
      await raw.end();
    }
    expect(await store.payout(1)).toBeUndefined();
    expect(await store.balance(MERCHANT)).toBeUndefined();
    await store.commit({ payouts: [payout(1)] });
    expect(await store.payout(1)).toBeDefined();
  });

  it('rejects a commit that waits past the statement timeout, saying why', async () => {
    const impatient = await openPostgresStore({ url: db.url, statementTimeoutMs: 200 });
    const raw = await rawClient(db.url);
    try {
      await holdLock(raw, payoutLock(3));
      const error: unknown = await impatient
        .commit({ payouts: [payout(3)] })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreWriteError);
      expect((error as Error).message).toContain('did not answer in time');
      await raw.query('ROLLBACK');
      expect(await impatient.payout(3)).toBeUndefined();
    } finally {
      await raw.end();
      await impatient.close();
    }
  });

  it('rejects writes once closed, saying so; closing again is harmless', async () => {
    const closing = await openPostgresStore({ url: db.url });
    await closing.close();
    await closing.close();
    const error: unknown = await closing.commit({ payouts: [payout(4)] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreWriteError);
    expect((error as Error).message).toContain('the store is closed');
    expect(await store.payout(4)).toBeUndefined();
  });

  it('refuses a second live payout of an order, born in error or not, and keeps none of the change', async () => {
    await store.commit({ payouts: [payout(10, { orderId: 'taken' })] });
    for (const status of ['ok', 'error'] as const) {
      const error: unknown = await store
        .commit({ payouts: [payout(11), payout(12, { orderId: 'taken', status })] })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreWriteError);
      expect((error as Error).message).toContain('already has a payout with that order id');
      expect((error as Error).message).toContain('taken');
      expect(await store.payout(11)).toBeUndefined();
      expect(await store.payout(12)).toBeUndefined();
    }
  });

  it('stores a payout born in error when its order is free, and one going to error in place', async () => {
    await store.commit({ payouts: [payout(20, { orderId: 'free', status: 'error' })] });
    expect((await store.payout(20))?.status).toBe('error');
    // The order's payout is in error: it may be used again, and that one may end in error too.
    await store.commit({ payouts: [payout(21, { orderId: 'free', status: 'process' })] });
    await store.commit({ payouts: [payout(21, { orderId: 'free', status: 'error' })] });
    await store.commit({ payouts: [payout(20, { orderId: 'free', status: 'error' })] });
    expect((await store.payoutSummaries({ orderId: 'free' })).map((p) => p.status)).toEqual([
      'error',
      'error',
    ]);
  });

  it('throws a clear error when decide reads a key it did not lock, and writes nothing', async () => {
    await expect(
      store.atomically({ payouts: [30] }, (view) => {
        view.balance(MERCHANT);
        return { change: { payouts: [payout(30)] }, result: undefined };
      }),
    ).rejects.toThrow(/decide read the balance of merchant m-1, which its keys do not name/);
    expect(await store.payout(30)).toBeUndefined();
  });

  it('finds nothing by keys no record can have, instead of failing on them', async () => {
    await store.commit({ payouts: [payout(40)], postbacks: [] });
    expect(await store.payout(Number.NaN)).toBeUndefined();
    expect(await store.payout(2 ** 60)).toBeUndefined();
    expect(await store.payoutByView('page\u0000')).toBeUndefined();
    expect(await store.latestPayoutForOrder(MERCHANT, 'o\u0000')).toBeUndefined();
    expect(await store.balance('m\u0000')).toBeUndefined();
    expect(await store.postbacksOf(Number.POSITIVE_INFINITY)).toEqual([]);
    expect(await store.claimPostback('1\u0000')).toBeUndefined();
    expect(await store.payoutSummaries({ orderId: '\u0000' })).toEqual([]);
    expect(await store.payoutPage({ card: '\u0000' }, { limit: 5 })).toEqual({
      items: [],
      total: 0,
      more: false,
    });
    expect(await store.payoutPage({}, { limit: Number.NaN })).toMatchObject({
      items: [],
      total: 1,
    });
    expect(await store.postbackPage({}, { limit: 5, after: 'not-an-id' })).toMatchObject({
      items: [],
    });
  });
});

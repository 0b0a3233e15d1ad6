import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noPostgres, useTestDatabase } from '../../../test/postgres.js';
import {
  eventually,
  holdLock,
  lockWaiters,
  rawClient,
} from '../../../test/postgres-store-helpers.js';
import type { ChangeOrigin, StoreChange } from '../store.js';
import { card, cardSession, MERCHANT, payout, postback } from '../store-contract-records.js';
import { payoutLock } from './postgres-locks.js';
import { openPostgresStore, type PostgresStore } from './postgres-store.js';

/**
 * Two PostgresStores on one database, each with its own pool and listener: two sandbox
 * processes, as far as the database can tell.
 */
describe.skipIf(noPostgres())('two PostgresStores on one database', () => {
  const db = useTestDatabase();
  let a: PostgresStore;
  let b: PostgresStore;
  beforeEach(async () => {
    a = await openPostgresStore({ url: db.url, ownerId: 'process-a' });
    await a.commit({ reset: true });
    // Opened after the reset, so it hears only what the test does.
    b = await openPostgresStore({ url: db.url, ownerId: 'process-b' });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('lets one payout of an order through when both race for it', async () => {
    const order = { merchantId: MERCHANT, orderId: 'across' };
    const attempt = async (store: PostgresStore): Promise<boolean> => {
      const paymentId = await store.nextPaymentId((last) => last + 1);
      return store.atomically({ orders: [order], payouts: [paymentId] }, (view) => {
        if (view.latestPayoutForOrder(order.merchantId, order.orderId)) return { result: false };
        return { change: { payouts: [payout(paymentId, { orderId: 'across' })] }, result: true };
      });
    };
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => attempt(i % 2 === 0 ? a : b)),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await b.payoutSummaries({ orderId: 'across' })).toHaveLength(1);
  });

  it('hands out payment ids once across both', async () => {
    const ids = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (i % 2 === 0 ? a : b).nextPaymentId((last) => last + 1 + (last % 3)),
      ),
    );
    expect(new Set(ids).size).toBe(100);
  });

  it('gives a postback to one claimant until its lease runs out', async () => {
    await a.commit({ payouts: [payout(11)], postbacks: [postback(11, 1, 'pending')] });
    const due = Date.parse('2026-01-02T00:00:00.000Z');
    expect((await a.claimPostback('11-1'))?.id).toBe('11-1');
    expect(await b.claimPostback('11-1')).toBeUndefined();
    // Claimed again by its holder (a second attempt): still its own.
    expect(await a.claimPostback('11-1')).toBeDefined();
    expect(await b.duePostbacks(due, 10)).toEqual([]);
    // As if the holder died and its lease ran out: moved rather than waited for.
    const raw = await rawClient(db.url);
    await raw.query("UPDATE postbacks SET lease_expires_at = now() - interval '1 second'");
    await raw.end();
    expect((await b.duePostbacks(due, 10)).map((p) => p.id)).toEqual(['11-1']);
    expect((await b.claimPostback('11-1'))?.id).toBe('11-1');
    expect(await a.claimPostback('11-1')).toBeUndefined();
    // b records a failed attempt, still pending: the claim ends with it, and either may go on.
    await b.commit({
      postbacks: [postback(11, 1, 'pending', { dueAt: '2026-01-01T00:01:00.000Z' })],
    });
    expect((await a.duePostbacks(due, 10)).map((p) => p.id)).toEqual(['11-1']);
    expect(await a.claimPostback('11-1')).toBeDefined();
  });

  it('lets a claim run out on its own with a short lease', async () => {
    const quick = await openPostgresStore({ url: db.url, ownerId: 'quick', leaseMs: 50 });
    try {
      await a.commit({ payouts: [payout(12)], postbacks: [postback(12, 1, 'pending')] });
      expect(await quick.claimPostback('12-1')).toBeDefined();
      expect(await b.claimPostback('12-1')).toBeUndefined();
      await eventually(() => b.claimPostback('12-1'), 'the 50 ms lease to run out');
      expect(await quick.claimPostback('12-1')).toBeUndefined();
    } finally {
      await quick.close();
    }
  });

  it("tells the other process's listeners of a change, with its records read back", async () => {
    const heard: [StoreChange, ChangeOrigin][] = [];
    b.onCommitted((change, origin) => heard.push([change, origin]));
    const here: ChangeOrigin[] = [];
    a.onCommitted((_change, origin) => here.push(origin));
    const made = payout(21);
    const change: StoreChange = {
      payouts: [made],
      postbacks: [postback(21, 1)],
      cards: [card(21)],
      cardSessions: [cardSession(22)],
      balances: { [MERCHANT]: 900 },
      clock: { nowMs: 10, realMs: 20, speed: 1 },
    };
    await a.commit(change);
    await eventually(() => heard.length > 0, 'b to hear the change');
    expect(heard).toEqual([[change, 'elsewhere']]);
    expect(JSON.stringify(heard[0]?.[0].payouts?.[0])).toBe(JSON.stringify(made));
    expect(here).toEqual(['here']);
    await a.commit({ forget: { payouts: [21] } });
    await a.commit({ reset: true });
    await eventually(() => heard.length === 3, 'b to hear forget and reset');
    expect(heard[1]?.[0]).toEqual({ forget: { payouts: [21] } });
    expect(heard[2]?.[0]).toEqual({ reset: true });
    expect(here).toEqual(['here', 'here', 'here']);
  });

  it('sends a change too large for one notification as several', async () => {
    const heard: number[] = [];
    let notices = 0;
    b.onCommitted((change) => {
      notices++;
      heard.push(...(change.payouts ?? []).map((p) => p.paymentId));
    });
    const many = Array.from({ length: 1200 }, (_, i) => payout(1_000_000_000 + i));
    await a.commit({ payouts: many });
    await eventually(() => heard.length === 1200, 'every payout to be heard');
    expect(notices).toBeGreaterThan(1);
    expect(heard).toEqual(many.map((p) => p.paymentId));
  });

  it('makes a plain commit wait for the lock an atomically (or anyone) holds on its keys', async () => {
    const raw = await rawClient(db.url);
    try {
      await holdLock(raw, payoutLock(31));
      let done = false;
      const writing = b.commit({ payouts: [payout(31)] }).then(() => (done = true));
      await eventually(async () => (await lockWaiters(raw)).length === 1, 'the commit to wait');
      expect(done).toBe(false);
      expect(await a.payout(31)).toBeUndefined();
      await raw.query('COMMIT');
      await writing;
      expect(await a.payout(31)).toBeDefined();
    } finally {
      await raw.end();
    }
  });

  it('listens again after its connection is cut, and says so', async () => {
    const warnings: string[] = [];
    const c = await openPostgresStore({ url: db.url, onWarning: (m) => warnings.push(m) });
    try {
      const heard: number[] = [];
      c.onCommitted((change) => heard.push(...(change.payouts ?? []).map((p) => p.paymentId)));
      const raw = await rawClient(db.url);
      await raw.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'freedompay-sandbox listener ' || $1",
        [c.origin.slice(-8)],
      );
      await raw.end();
      await eventually(() => warnings.some((w) => w.includes('connecting again')), 'the warning');
      await eventually(() => c.listening, 'the listener to be back');
      expect(warnings.join('\n')).not.toContain(new URL(db.url).password);
      await a.commit({ payouts: [payout(41)] });
      await eventually(() => heard.includes(41), 'c to hear a change after reconnecting');
    } finally {
      await c.close();
    }
  });

  it('reads the shared clock again once it listens again, and says so', async () => {
    const warnings: string[] = [];
    const c = await openPostgresStore({ url: db.url, onWarning: (m) => warnings.push(m) });
    try {
      const clocks: { clock: unknown; origin: ChangeOrigin }[] = [];
      c.onCommitted((change, origin) => {
        if (change.clock) clocks.push({ clock: change.clock, origin });
      });
      const raw = await rawClient(db.url);
      try {
        await a.commit({ clock: { nowMs: 1_000, realMs: 1_000, speed: 1 } });
        await eventually(() => clocks.length === 1, 'c to hear the first clock');
        // A clock saved with no notice c hears: as one saved while c's listener was down.
        const stopped = { nowMs: 5_000, realMs: 2_000, speed: 0 };
        await raw.query('UPDATE clock SET state = $1', [JSON.stringify(stopped)]);
        await raw.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'freedompay-sandbox listener ' || $1",
          [c.origin.slice(-8)],
        );
        await eventually(() => clocks.length === 2, 'c to read the clock again');
        expect(clocks[1]).toEqual({ clock: stopped, origin: 'elsewhere' });
        await eventually(
          () => warnings.some((w) => w.includes('the shared clock was read again')),
          'the warning that says so',
        );
      } finally {
        await raw.end();
      }
    } finally {
      await c.close();
    }
  });

  it('waits with a reset for a write that read before it, so the write falls before the reset', async () => {
    await a.commit({ balances: { [MERCHANT]: 100 } });
    // A third process mid-way through an `atomically`: it has read the balance, not yet written.
    const c = await rawClient(db.url);
    try {
      await c.query('BEGIN');
      await c.query('SELECT balance_minor FROM balances WHERE merchant_id = $1', [MERCHANT]);
      const resetting = b.commit({ reset: true });
      await eventually(async () => {
        const { rows } = await c.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'relation'`,
        );
        return (rows[0]?.waiting ?? 0) > 0;
      }, 'the reset to wait for the transaction that read the balance');
      await c.query(
        `INSERT INTO balances (merchant_id, balance_minor) VALUES ($1, 90)
         ON CONFLICT (merchant_id) DO UPDATE SET balance_minor = EXCLUDED.balance_minor`,
        [MERCHANT],
      );
      await c.query('COMMIT');
      await resetting;
    } finally {
      await c.end();
    }
    // The decision made before the reset is cleared by it, not left in the store it cleared.
    expect(await a.balance(MERCHANT)).toBeUndefined();
  });
});

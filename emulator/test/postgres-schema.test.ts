import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Payout } from '../src/payouts/payout.js';
import type { Postback } from '../src/postbacks/postback.js';
import { createPool, openPostgres } from '../src/store/postgres/migrate.js';
import { samplePayout } from './fixtures.js';
import { noPostgres, useTestDatabase } from './postgres.js';

/**
 * What the first migration's schema guarantees by itself, with several connections at once
 * standing for several sandbox replicas (issue 16). The statements here are the ones the
 * PostgreSQL store is meant to use; the decision record (0016) gives them too.
 */

const INSERT_PAYOUT = `INSERT INTO payouts
  (payment_id, merchant_id, order_id, status, method, destination, created_at, view_id, final_due_at, record)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

function payoutValues(payout: Payout): unknown[] {
  const destination = payout.destination;
  return [
    payout.paymentId,
    payout.merchantId,
    payout.orderId,
    payout.status,
    payout.method,
    JSON.stringify(destination),
    payout.createdAt,
    destination.kind === 'payout-page' ? destination.viewId : null,
    payout.pendingFinal?.dueAt ?? null,
    JSON.stringify(payout),
  ];
}

const INSERT_POSTBACK = `INSERT INTO postbacks
  (id, payment_id, sequence, merchant_id, order_id, kind, state, due_at, hold_for_next, record)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

function postbackValues(postback: Postback): unknown[] {
  return [
    postback.id,
    postback.paymentId,
    Number(postback.id.split('-')[1]),
    postback.merchantId,
    postback.orderId,
    postback.kind,
    postback.state,
    postback.dueAt ?? null,
    postback.holdForNext === true,
    JSON.stringify(postback),
  ];
}

function samplePostback(paymentId: number, dueAt: string, extra: Partial<Postback> = {}): Postback {
  return {
    id: `${paymentId}-1`,
    paymentId,
    merchantId: '1',
    orderId: `order-${paymentId}`,
    url: 'http://merchant.test/notify',
    fields: { pg_payment_id: String(paymentId), pg_order_id: `order-${paymentId}`, pg_result: '1' },
    kind: 'notify',
    state: 'pending',
    createdAt: dueAt,
    dueAt,
    attempts: [],
    ...extra,
  };
}

/** The claim of decision 0016: due, not held, not leased by a live replica; skip what others hold. */
const CLAIM = `UPDATE postbacks SET lease_owner = $1, lease_expires_at = now() + interval '30 seconds'
  WHERE id IN (
    SELECT id FROM postbacks
     WHERE state = 'pending' AND NOT hold_for_next AND due_at <= $2
       AND (lease_expires_at IS NULL OR lease_expires_at < now())
     ORDER BY due_at LIMIT $3
     FOR UPDATE SKIP LOCKED)
  RETURNING id`;

const UNIQUE_VIOLATION = '23505';
const CHECK_VIOLATION = '23514';

async function sqlState(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );
}

describe.skipIf(noPostgres())('the PostgreSQL schema, shared by several replicas', () => {
  const db = useTestDatabase();
  // Two pools: two sandbox replicas on one database.
  let a: Pool;
  let b: Pool;
  let nextId = 1_200_000_000;
  const id = () => (nextId += 7);

  beforeAll(async () => {
    const opened = await openPostgres(db.url, { poolSize: 10 });
    a = opened.pool;
    b = createPool(db.url, { poolSize: 10 });
  });
  afterAll(async () => {
    await Promise.all([a.end(), b.end()]);
  });

  describe('one order id, one payout per merchant, unless it ended in error', () => {
    it('refuses a second payout with a merchant order id while the first is not in error', async () => {
      for (const status of ['waiting', 'process', 'ok'] as const) {
        const orderId = `taken-${status}`;
        await a.query(
          INSERT_PAYOUT,
          payoutValues(samplePayout({ paymentId: id(), orderId, status })),
        );
        const second = samplePayout({ paymentId: id(), orderId, status: 'ok' });

        expect(await sqlState(b.query(INSERT_PAYOUT, payoutValues(second)))).toBe(UNIQUE_VIOLATION);
      }
    });

    it('names the index in the refusal, so the store can tell it from other conflicts', async () => {
      await a.query(
        INSERT_PAYOUT,
        payoutValues(samplePayout({ paymentId: id(), orderId: 'named' })),
      );
      const refused = await b
        .query(INSERT_PAYOUT, payoutValues(samplePayout({ paymentId: id(), orderId: 'named' })))
        .catch((error: { constraint?: string }) => error.constraint);

      expect(refused).toBe('payouts_one_live_payout_per_order');
    });

    it('lets another merchant use the same order id', async () => {
      await a.query(
        INSERT_PAYOUT,
        payoutValues(samplePayout({ paymentId: id(), orderId: 'shared' })),
      );
      await b.query(
        INSERT_PAYOUT,
        payoutValues(samplePayout({ paymentId: id(), orderId: 'shared', merchantId: '2' })),
      );
      const { rows } = await a.query("SELECT merchant_id FROM payouts WHERE order_id = 'shared'");
      expect(rows.map((row: { merchant_id: string }) => row.merchant_id).sort()).toEqual([
        '1',
        '2',
      ]);
    });

    it('accepts a new payout for an order whose payout ended in error, and then no third', async () => {
      const first = samplePayout({ paymentId: id(), orderId: 'retried', status: 'process' });
      await a.query(INSERT_PAYOUT, payoutValues(first));
      const failed = { ...first, status: 'error' as const };
      await a.query('UPDATE payouts SET status = $2, record = $3 WHERE payment_id = $1', [
        first.paymentId,
        'error',
        JSON.stringify(failed),
      ]);

      await b.query(
        INSERT_PAYOUT,
        payoutValues(samplePayout({ paymentId: id(), orderId: 'retried', status: 'ok' })),
      );
      const third = samplePayout({ paymentId: id(), orderId: 'retried', status: 'ok' });
      expect(await sqlState(a.query(INSERT_PAYOUT, payoutValues(third)))).toBe(UNIQUE_VIOLATION);

      // latestPayoutForOrder: the newest by payment id.
      const { rows } = await b.query(
        `SELECT payment_id, status FROM payouts WHERE merchant_id = '1' AND order_id = 'retried'
          ORDER BY payment_id DESC LIMIT 1`,
      );
      expect(rows).toEqual([{ payment_id: first.paymentId + 7, status: 'ok' }]);
    });

    it('lets exactly one of 20 simultaneous payouts with one order id in, across two replicas', async () => {
      const attempts = Array.from({ length: 20 }, (_, n) => {
        const payout = samplePayout({ paymentId: id(), orderId: 'raced', status: 'ok' });
        return (n % 2 === 0 ? a : b).query(INSERT_PAYOUT, payoutValues(payout));
      });
      const settled = await Promise.allSettled(attempts);

      expect(settled.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const reasons = settled.flatMap((result) =>
        result.status === 'rejected' ? [(result.reason as { code: string }).code] : [],
      );
      expect(new Set(reasons)).toEqual(new Set([UNIQUE_VIOLATION]));
    });

    it('refuses a payout born in error while the order is taken, when the store inserts it as process first', async () => {
      // A scripted decline is stored in 'error' at once, which the index alone would let in
      // beside a live payout. The store's recipe: insert as 'process', settle in the same
      // transaction. The index then checks the order id as for any live payout.
      await a.query(
        INSERT_PAYOUT,
        payoutValues(samplePayout({ paymentId: id(), orderId: 'live' })),
      );
      const declined = samplePayout({ paymentId: id(), orderId: 'live', status: 'error' });

      const client = await b.connect();
      try {
        await client.query('BEGIN');
        const claimed = { ...declined, status: 'process' as const };
        const state = await sqlState(client.query(INSERT_PAYOUT, payoutValues(claimed)));
        await client.query('ROLLBACK');
        expect(state).toBe(UNIQUE_VIOLATION);
      } finally {
        client.release();
      }

      // On a free order the same recipe stores it in error, and the order stays free.
      const free = samplePayout({ paymentId: id(), orderId: 'free', status: 'error' });
      const other = await b.connect();
      try {
        await other.query('BEGIN');
        await other.query(INSERT_PAYOUT, payoutValues({ ...free, status: 'process' }));
        await other.query('UPDATE payouts SET status = $2, record = $3 WHERE payment_id = $1', [
          free.paymentId,
          'error',
          JSON.stringify(free),
        ]);
        await other.query('COMMIT');
      } finally {
        other.release();
      }
      await a.query(
        INSERT_PAYOUT,
        payoutValues(samplePayout({ paymentId: id(), orderId: 'free' })),
      );
    });
  });

  it('hands out unique, increasing payment ids to many callers on two replicas', async () => {
    const first = 1_234_567_890;
    // 2 replicas x 5 callers x 20 ids, each caller one after another, all callers at once.
    const callers = Array.from({ length: 10 }, async (_, n) => {
      const pool = n % 2 === 0 ? a : b;
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) {
        const gap = 1 + ((n * 20 + i) % 40);
        const { rows } = await pool.query<{ id: number }>(
          "SELECT sandbox_next_id('payment_id', $1, $2) AS id",
          [first, gap],
        );
        ids.push(rows[0]?.id ?? -1);
      }
      return ids;
    });
    const perCaller = await Promise.all(callers);
    const all = perCaller.flat();

    expect(new Set(all).size).toBe(200);
    expect(Math.min(...all)).toBe(first);
    for (const ids of perCaller) {
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size).toBe(ids.length);
    }
    const { rows } = await a.query<{ value: number }>(
      "SELECT value FROM counters WHERE name = 'payment_id'",
    );
    expect(rows[0]?.value).toBe(Math.max(...all));
    expect(typeof rows[0]?.value).toBe('number');
  });

  it('refuses a step below 1 and a counter that does not exist', async () => {
    await expect(a.query("SELECT sandbox_next_id('payment_id', 1, 0)")).rejects.toThrow(
      'first value and step must be 1 or more',
    );
    await expect(a.query("SELECT sandbox_next_id('no_such', 1, 1)")).rejects.toThrow(
      'there is no counter no_such',
    );
  });

  it("keeps a record's keys in the order the domain wrote them", async () => {
    const payout = samplePayout({
      paymentId: id(),
      orderId: 'ordered',
      request: { pg_order_id: 'ordered', pg_amount: '10', pg_merchant_id: '1', pg_sig: 'x' },
    });
    await a.query(INSERT_PAYOUT, payoutValues(payout));
    const { rows } = await b.query<{ record: Payout }>(
      'SELECT record FROM payouts WHERE payment_id = $1',
      [payout.paymentId],
    );

    expect(JSON.stringify(rows[0]?.record)).toBe(JSON.stringify(payout));
    expect(Object.keys(rows[0]?.record.request ?? {})).toEqual([
      'pg_order_id',
      'pg_amount',
      'pg_merchant_id',
      'pg_sig',
    ]);
  });

  it('refuses a row whose columns disagree with its record', async () => {
    const payout = samplePayout({ paymentId: id(), orderId: 'disagrees', status: 'ok' });
    const values = payoutValues(payout);
    values[3] = 'error'; // the status column, while the record says ok

    expect(await sqlState(a.query(INSERT_PAYOUT, values))).toBe(CHECK_VIOLATION);
  });

  describe('the outbox: each due postback to one replica, and to another once a lease expires', () => {
    const now = '2030-01-01T00:00:00.000Z';
    const past = '2029-12-31T23:59:00.000Z';
    const future = '2030-01-01T00:05:00.000Z';

    beforeAll(async () => {
      for (let n = 0; n < 10; n++) {
        await a.query(INSERT_POSTBACK, postbackValues(samplePostback(9_000 + n, past)));
      }
      await a.query(INSERT_POSTBACK, postbackValues(samplePostback(9_100, future)));
      await a.query(
        INSERT_POSTBACK,
        postbackValues(samplePostback(9_101, past, { holdForNext: true })),
      );
      await a.query(
        INSERT_POSTBACK,
        postbackValues(samplePostback(9_102, past, { state: 'delivered' })),
      );
    });

    it('gives two replicas claiming at once disjoint postbacks, every due one, none early or held', async () => {
      const [byA, byB] = await Promise.all([
        a.query<{ id: string }>(CLAIM, ['replica-a', now, 10]),
        b.query<{ id: string }>(CLAIM, ['replica-b', now, 10]),
      ]);
      const idsA = byA.rows.map((row) => row.id);
      const idsB = byB.rows.map((row) => row.id);

      expect(idsA.filter((x) => idsB.includes(x))).toEqual([]);
      expect([...idsA, ...idsB].sort()).toEqual(
        Array.from({ length: 10 }, (_, n) => `${9_000 + n}-1`).sort(),
      );
      // Claimed and leased: nobody gets them again while the lease lasts.
      expect((await b.query(CLAIM, ['replica-c', now, 10])).rows).toEqual([]);
    });

    it("hands a dead replica's postback to another once its lease expires, and ignores the dead one's late write", async () => {
      const { rows } = await a.query<{ id: string; lease_owner: string }>(
        "SELECT id, lease_owner FROM postbacks WHERE id = '9000-1'",
      );
      const owner = rows[0]?.lease_owner ?? '';
      // The owner is killed mid-delivery: its lease runs out.
      await a.query(
        "UPDATE postbacks SET lease_expires_at = now() - interval '1 second' WHERE id = '9000-1'",
      );

      const retaken = await b.query<{ id: string }>(CLAIM, ['replica-d', now, 10]);
      expect(retaken.rows.map((row) => row.id)).toEqual(['9000-1']);

      const late = await a.query(
        `UPDATE postbacks SET state = 'delivered', lease_owner = NULL, lease_expires_at = NULL,
                record = json_build_object('id', id, 'state', 'delivered')
          WHERE id = '9000-1' AND lease_owner = $1`,
        [owner],
      );
      expect(late.rowCount).toBe(0);
    });

    it('refuses a lease on a postback that is no longer pending', async () => {
      expect(
        await sqlState(
          a.query(
            "UPDATE postbacks SET lease_owner = 'x', lease_expires_at = now() WHERE id = '9102-1'",
          ),
        ),
      ).toBe(CHECK_VIOLATION);
    });
  });

  it('never overdraws a balance debited by 20 payouts at once on two replicas', async () => {
    await a.query("INSERT INTO balances (merchant_id, balance_minor) VALUES ('rich', 1000)");
    const debits = Array.from({ length: 20 }, (_, n) =>
      (n % 2 === 0 ? a : b).query(
        `UPDATE balances SET balance_minor = balance_minor - 100
          WHERE merchant_id = 'rich' AND balance_minor >= 100 RETURNING balance_minor`,
      ),
    );
    const done = await Promise.all(debits);

    expect(done.filter((result) => result.rowCount === 1)).toHaveLength(10);
    const { rows } = await a.query("SELECT balance_minor FROM balances WHERE merchant_id = 'rich'");
    expect(rows).toEqual([{ balance_minor: 0 }]);
    expect(
      await sqlState(a.query("UPDATE balances SET balance_minor = -1 WHERE merchant_id = 'rich'")),
    ).toBe(CHECK_VIOLATION);
  });

  it('counts every use of a scenario sequence made at once on two replicas', async () => {
    const bumps = Array.from({ length: 40 }, (_, n) =>
      (n % 2 === 0 ? a : b).query(
        `INSERT INTO scenario_counters (key, count) VALUES ('runtime#1|order|o-1', 1)
         ON CONFLICT (key) DO UPDATE SET count = scenario_counters.count + 1 RETURNING count`,
      ),
    );
    const counts = (await Promise.all(bumps)).map((result) => result.rows[0].count as number);

    expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, n) => n + 1));
  });

  it('numbers journal entries on after the journal is cleared', async () => {
    const add = (path: string) =>
      a.query<{ id: number }>(
        `INSERT INTO request_journal (path, outcome, bytes, entry) VALUES ($1, 'ok', 2, '{}') RETURNING id`,
        [path],
      );
    const before = (await add('/api/reg2reg')).rows[0]?.id ?? 0;
    await b.query('DELETE FROM request_journal');
    const after = (await add('/api/reg2reg')).rows[0]?.id ?? 0;

    expect(after).toBeGreaterThan(before);
  });
});

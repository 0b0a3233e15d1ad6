import type { Pool } from 'pg';
import type { Payout } from '../../payouts/payout.js';
import type { Postback } from '../../postbacks/postback.js';

/**
 * What processes sharing one database hand out to one of them: ids, postback attempts (claims
 * with a lease), and the sweeps for work a dead process left.
 */

/**
 * A FROM item that lets the statement's own transaction commit without waiting for the WAL to
 * reach the disk (an fsync, 2-5 ms, each): for an id and a claim, which nothing durable depends
 * on until a later commit that does wait. A payout that uses an id commits after the counter's
 * update, and waiting for its own commit record flushes every WAL record before it, the
 * counter's included; a payout never committed leaves an id a crash may hand out again, unused.
 * A claim a server crash loses is a postback nobody holds: another process claims it, as after
 * a process crash.
 */
const UNFLUSHED = "(SELECT set_config('synchronous_commit', 'off', true)) AS unflushed";

/**
 * The next id of a counter: `next(last)`, set with a compare-and-set so that two processes never
 * hand out one id. Not sandbox_next_id (migration 1): its step is fixed per call, and the payment
 * id's step is a seeded random gap that `next` draws from the last id. Runs in its own short
 * statements, outside any payout's transaction, so payouts never queue on the counter's row.
 *
 * `known` is the value the caller last set or read (this process's ids go one at a time): the
 * compare-and-set is tried on it at once, so a process alone on the database takes an id in one
 * statement, not a read and a write. A failed one answers the value it found, and goes round
 * again from there; `next` is only ever called on a value read or set, so a process alone draws
 * its gaps as before.
 */
export async function nextId(
  pool: Pool,
  counter: 'payment_id' | 'card_id',
  next: (last: number) => number,
  known?: number,
): Promise<number> {
  let last = known;
  for (;;) {
    if (last === undefined) {
      const { rows } = await pool.query<{ value: number }>(
        'SELECT value FROM counters WHERE name = $1',
        [counter],
      );
      last = rows[0]?.value;
      if (last === undefined) throw new Error(`the counters table has no ${counter} row`);
    }
    const candidate = next(last);
    if (!Number.isSafeInteger(candidate) || candidate <= last) {
      throw new Error(`next(${last}) gave ${candidate}: ids must be integers that only increase`);
    }
    const { rows } = await pool.query<{ set: number | null; found: number | null }>(
      `WITH set AS (
         UPDATE counters SET value = $3 FROM ${UNFLUSHED}
          WHERE name = $1 AND value = $2 RETURNING value
       )
       SELECT (SELECT value FROM set) AS set,
              (SELECT value FROM counters WHERE name = $1) AS found`,
      [counter, last, candidate],
    );
    if (rows[0]?.set === candidate) return candidate;
    // Another process took an id in between: draw again after the one found (the statement's
    // snapshot may miss a commit under way; then the next try fails and finds it).
    last = rows[0]?.found ?? undefined;
  }
}

/**
 * Claims a pending postback for `owner` until the database's clock passes the lease: free,
 * expired, or already this owner's. The commit that records the attempt clears the claim.
 */
export async function claimPostback(
  pool: Pool,
  id: string,
  owner: string,
  leaseMs: number,
): Promise<Postback | undefined> {
  const { rows } = await pool.query<{ record: Postback }>(
    `UPDATE postbacks
        SET lease_owner = $2, lease_expires_at = now() + $3 * interval '1 millisecond'
       FROM ${UNFLUSHED}
      WHERE id = $1 AND state = 'pending'
        AND (lease_owner IS NULL OR lease_expires_at < now() OR lease_owner = $2)
      RETURNING record`,
    [id, owner, leaseMs],
  );
  return rows[0]?.record;
}

/**
 * Pending postbacks due by `dueBy` that nobody holds a live claim on. A postback held for the
 * merchant's next one (`holdForNext`) is due at the end of its longest wait (dispatcher.ts sets
 * its dueAt so), as it is for the process that made it: due_at alone decides.
 */
export async function duePostbacks(pool: Pool, dueBy: number, limit: number): Promise<Postback[]> {
  const { rows } = await pool.query<{ record: Postback }>(
    `SELECT record FROM postbacks
      WHERE state = 'pending' AND due_at <= to_timestamp($1::double precision / 1000)
        AND (lease_owner IS NULL OR lease_expires_at < now())
      ORDER BY due_at, payment_id, sequence LIMIT $2`,
    [dueBy, Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0],
  );
  return rows.map((row) => row.record);
}

/** Open payouts whose pending final is due by `dueBy` (sandbox clock, epoch ms). */
export async function duePayouts(pool: Pool, dueBy: number, limit: number): Promise<Payout[]> {
  const { rows } = await pool.query<{ record: Payout }>(
    `SELECT record FROM payouts
      WHERE status IN ('waiting', 'process') AND final_due_at <= to_timestamp($1::double precision / 1000)
      ORDER BY final_due_at, payment_id LIMIT $2`,
    [dueBy, Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0],
  );
  return rows.map((row) => row.record);
}

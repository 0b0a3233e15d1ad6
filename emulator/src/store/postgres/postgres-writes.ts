import type { PoolClient, QueryConfig } from 'pg';
import type { Payout } from '../../payouts/payout.js';
import type { StoreChange } from '../store.js';
import { takeLocks } from './postgres-locks.js';
import { CHANNEL, noticePayloads } from './postgres-notify.js';

/**
 * Applies a `StoreChange` (whole records: replaying a change gives the same rows), with its
 * notices, in as few round trips as it can: an `atomically` holds its keys' locks (a merchant's
 * balance: every payout of that merchant waits) until its COMMIT, so each round trip here is
 * paid by every payout queued behind it. The records, balances, counters, clock and notices go in
 * ONE statement (changeStatement); only a reset, a forget or a payout in error need statements
 * before it (prelude). Each record goes in as `json` text in the domain's key order, with the
 * columns the queries and constraints need copied from it in the same statement
 * (migrations.ts explains each column).
 */

/** Writes the change in the caller's transaction: the prelude (if any), then its statement. */
export async function writeChange(
  client: PoolClient,
  change: StoreChange,
  origin: string,
  locks: readonly string[],
): Promise<void> {
  if (needsPrelude(change)) {
    // Its statements write under the change's locks, so those come first.
    await takeLocks(client, locks);
    await prelude(client, change);
  }
  await client.query(changeStatement(change, origin, locks));
}

/** Whether the change needs statements before its one statement (changeStatement). */
export function needsPrelude(change: StoreChange): boolean {
  return (
    change.reset === true ||
    (change.forget?.payouts.length ?? 0) > 0 ||
    (change.payouts ?? []).some((payout) => payout.status === 'error')
  );
}

async function prelude(client: PoolClient, change: StoreChange): Promise<void> {
  if (change.reset) {
    // A reset falls wholly before or after every other transaction on the records: it waits
    // for those that read or wrote any of them (each holds its tables' locks to its end) and
    // holds off the next until it commits. Else an `atomically` that read a payout or a balance
    // before the reset would write its decision after it, into the store just cleared. Table
    // locks every transaction takes anyway, so a write pays nothing for it (an advisory lock
    // that every write takes shared cost a commit 5-13 %); a deadlock with a write under way is
    // broken by PostgreSQL, and inTransaction runs the loser again.
    await client.query(
      'LOCK TABLE postbacks, payouts, forgotten_orders, saved_cards, card_sessions, balances IN ACCESS EXCLUSIVE MODE',
    );
    // Counters stay: ids go on from where they were.
    await client.query(
      'DELETE FROM postbacks; DELETE FROM payouts; DELETE FROM forgotten_orders; DELETE FROM saved_cards; DELETE FROM card_sessions; DELETE FROM balances',
    );
  }
  const forget = change.forget?.payouts ?? [];
  if (forget.length > 0) {
    // An id not held deletes nothing: replaying the change is harmless. A payout that is its
    // order's newest frees the order: older payouts of it are passed over from then on.
    await client.query(
      `INSERT INTO forgotten_orders (merchant_id, order_id, payment_id)
       SELECT merchant_id, order_id, payment_id FROM payouts AS p
        WHERE payment_id = ANY($1::bigint[])
          AND NOT EXISTS (SELECT 1 FROM payouts AS q WHERE q.merchant_id = p.merchant_id
                            AND q.order_id = p.order_id AND q.payment_id > p.payment_id)
       ON CONFLICT (merchant_id, order_id)
         DO UPDATE SET payment_id = GREATEST(forgotten_orders.payment_id, EXCLUDED.payment_id)`,
      [forget],
    );
    await client.query('DELETE FROM postbacks WHERE payment_id = ANY($1::bigint[])', [forget]);
    await client.query('DELETE FROM payouts WHERE payment_id = ANY($1::bigint[])', [forget]);
  }
  const bornInError = lastOfEach(change.payouts ?? [], (payout) => payout.paymentId).filter(
    (payout) => payout.status === 'error',
  );
  if (bornInError.length > 0) {
    // The unique index payouts_one_live_payout_per_order skips payouts in error, so a payout
    // born in error would slip past an order that is taken. A new one goes in as 'process' first
    // (the index checks it, and waits for a concurrent insert of the order), then the change's
    // statement settles it; one that exists already is left to that statement (DO NOTHING on its
    // id, which is checked before any other index). Two statements: one statement cannot write
    // a row twice.
    const columns = payoutColumns(bornInError.map((payout) => ({ ...payout, status: 'process' })));
    await client.query(
      `INSERT INTO payouts (payment_id, merchant_id, order_id, status, method, destination,
                            created_at, view_id, final_due_at, record)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                            $6::json[], $7::text[], $8::text[], $9::timestamptz[], $10::json[])
       ON CONFLICT (payment_id) DO NOTHING`,
      columns,
    );
  }
}

/**
 * The change as one statement: the records upserted (each table from arrays, one per column),
 * counters only ever raised, the clock, and the notices (sent when, and if, it commits). The
 * records' writes join `locked`, the change's advisory locks taken in hash order (as takeLocks),
 * so no row is written before every lock is held; data-modifying WITH parts all run, in no set
 * order, on one snapshot, which upserts of whole records do not read (ON CONFLICT acts on the
 * newest row version, whatever the snapshot). Locks the transaction holds already cost nothing.
 * Alone (autocommit), the statement is a whole commit: PostgresStore.commit sends just this.
 */
export function changeStatement(
  change: StoreChange,
  origin: string,
  locks: readonly string[],
): QueryConfig {
  const postbacks = lastOfEach(change.postbacks ?? [], (postback) => postback.id);
  const cards = lastOfEach(change.cards ?? [], (card) => card.token);
  const sessions = lastOfEach(change.cardSessions ?? [], (session) => session.paymentId);
  const balances = Object.entries(change.balances ?? {});
  const counters: [string, number][] = [];
  if (change.lastPaymentId !== undefined) counters.push(['payment_id', change.lastPaymentId]);
  if (change.lastCardId !== undefined) counters.push(['card_id', change.lastCardId]);
  return {
    name: 'sandbox_change',
    text: CHANGE_STATEMENT,
    values: [
      [...new Set(locks)],
      ...payoutColumns(lastOfEach(change.payouts ?? [], (payout) => payout.paymentId)),
      postbacks.map((postback) => postback.id),
      postbacks.map((postback) => postback.paymentId),
      postbacks.map((postback) => postbackSequence(postback.id)),
      postbacks.map((postback) => postback.merchantId),
      postbacks.map((postback) => postback.orderId),
      postbacks.map((postback) => postback.kind),
      postbacks.map((postback) => postback.state),
      postbacks.map((postback) => (postback.state === 'pending' ? (postback.dueAt ?? null) : null)),
      postbacks.map((postback) => postback.holdForNext === true),
      postbacks.map((postback) => JSON.stringify(postback)),
      cards.map((card) => card.token),
      cards.map((card) => card.id),
      cards.map((card) => card.merchantId),
      cards.map((card) => card.userId),
      cards.map((card) => card.status),
      cards.map((card) => JSON.stringify(card)),
      sessions.map((session) => session.paymentId),
      sessions.map((session) => session.viewId),
      sessions.map((session) => session.merchantId),
      sessions.map((session) => session.state),
      sessions.map((session) => JSON.stringify(session)),
      balances.map(([merchantId]) => merchantId),
      balances.map(([, balance]) => balance),
      counters.map(([name]) => name),
      counters.map(([, value]) => value),
      change.clock ? [JSON.stringify(change.clock)] : [],
      noticePayloads(origin, change),
      CHANNEL,
    ],
  };
}

const CHANGE_STATEMENT = `
WITH locked AS (
  SELECT count(pg_advisory_xact_lock(h)) AS held FROM (
    SELECT DISTINCT hashtextextended(name, 0) AS h FROM unnest($1::text[]) AS name ORDER BY h
  ) AS locks
),
written_payouts AS (
  INSERT INTO payouts (payment_id, merchant_id, order_id, status, method, destination,
                       created_at, view_id, final_due_at, record)
  SELECT r.* FROM locked, unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                                   $7::json[], $8::text[], $9::text[], $10::timestamptz[],
                                   $11::json[]) AS r
  ON CONFLICT (payment_id) DO UPDATE SET
    merchant_id = EXCLUDED.merchant_id, order_id = EXCLUDED.order_id, status = EXCLUDED.status,
    method = EXCLUDED.method, destination = EXCLUDED.destination,
    created_at = EXCLUDED.created_at, view_id = EXCLUDED.view_id,
    final_due_at = EXCLUDED.final_due_at, record = EXCLUDED.record
),
-- Writing a postback ends any claim on it: the attempt it was claimed for is recorded.
written_postbacks AS (
  INSERT INTO postbacks (id, payment_id, sequence, merchant_id, order_id, kind, state, due_at,
                         hold_for_next, record)
  SELECT r.* FROM locked, unnest($12::text[], $13::bigint[], $14::integer[], $15::text[],
                                   $16::text[], $17::text[], $18::text[], $19::timestamptz[],
                                   $20::boolean[], $21::json[]) AS r
  ON CONFLICT (id) DO UPDATE SET
    payment_id = EXCLUDED.payment_id, sequence = EXCLUDED.sequence,
    merchant_id = EXCLUDED.merchant_id, order_id = EXCLUDED.order_id, kind = EXCLUDED.kind,
    state = EXCLUDED.state, due_at = EXCLUDED.due_at, hold_for_next = EXCLUDED.hold_for_next,
    lease_owner = NULL, lease_expires_at = NULL, record = EXCLUDED.record
),
written_cards AS (
  INSERT INTO saved_cards (token, id, merchant_id, user_id, status, record)
  SELECT r.* FROM locked, unnest($22::text[], $23::bigint[], $24::text[], $25::text[],
                                   $26::text[], $27::json[]) AS r
  ON CONFLICT (token) DO UPDATE SET
    id = EXCLUDED.id, merchant_id = EXCLUDED.merchant_id, user_id = EXCLUDED.user_id,
    status = EXCLUDED.status, record = EXCLUDED.record
),
written_sessions AS (
  INSERT INTO card_sessions (payment_id, view_id, merchant_id, state, record)
  SELECT r.* FROM locked, unnest($28::bigint[], $29::text[], $30::text[], $31::text[],
                                   $32::json[]) AS r
  ON CONFLICT (payment_id) DO UPDATE SET
    view_id = EXCLUDED.view_id, merchant_id = EXCLUDED.merchant_id, state = EXCLUDED.state,
    record = EXCLUDED.record
),
written_balances AS (
  INSERT INTO balances (merchant_id, balance_minor)
  SELECT r.* FROM locked, unnest($33::text[], $34::bigint[]) AS r
  ON CONFLICT (merchant_id) DO UPDATE SET balance_minor = EXCLUDED.balance_minor
),
-- Only ever raised: the counter normally holds these ids already (nextPaymentId), and then the
-- WHERE leaves the row alone (no row lock), so payouts never queue on the counter's row.
raised_counters AS (
  UPDATE counters SET value = raised.value
    FROM unnest($35::text[], $36::bigint[]) AS raised (name, value)
   WHERE counters.name = raised.name AND counters.value < raised.value
),
saved_clock AS (
  INSERT INTO clock (only_row, state) SELECT true, state FROM unnest($37::json[]) AS state
  ON CONFLICT (only_row) DO UPDATE SET state = EXCLUDED.state, updated_at = now()
)
SELECT count(pg_notify($39::text, payload)) AS sent FROM unnest($38::text[]) AS payload`;

/** The payouts table's columns, one array each, for unnest (the order of its INSERTs). */
function payoutColumns(payouts: readonly Payout[]): unknown[][] {
  const open = (payout: Payout): boolean =>
    payout.status === 'waiting' || payout.status === 'process';
  return [
    payouts.map((payout) => payout.paymentId),
    payouts.map((payout) => payout.merchantId),
    payouts.map((payout) => payout.orderId),
    payouts.map((payout) => payout.status),
    payouts.map((payout) => payout.method),
    payouts.map((payout) => JSON.stringify(payout.destination)),
    payouts.map((payout) => payout.createdAt),
    payouts.map((payout) =>
      payout.destination.kind === 'payout-page' ? payout.destination.viewId : null,
    ),
    payouts.map((payout) =>
      open(payout) && payout.pendingFinal ? payout.pendingFinal.dueAt : null,
    ),
    payouts.map((payout) => JSON.stringify(payout)),
  ];
}

/**
 * One record per key, the last given (as writing them in turn would leave it): one statement
 * cannot upsert a row twice.
 */
function lastOfEach<T, K>(records: readonly T[], key: (record: T) => K): T[] {
  return [...new Map(records.map((record) => [key(record), record] as const)).values()];
}

/** `<payment id>-<n>`: n. */
function postbackSequence(id: string): number {
  const match = /^\d+-(\d+)$/.exec(id);
  return match ? Number(match[1]) : Number.NaN;
}

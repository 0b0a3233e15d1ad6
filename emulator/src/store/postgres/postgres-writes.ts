import type { PoolClient } from 'pg';
import type { SavedCard } from '../../cards/card.js';
import type { CardSession } from '../../cards/card-session.js';
import type { Payout } from '../../payouts/payout.js';
import type { Postback } from '../../postbacks/postback.js';
import type { StoreChange } from '../store.js';

/**
 * Applies a `StoreChange` inside the caller's transaction: reset, forget, then the records
 * (whole records: replaying a change gives the same rows). Each record goes in as `json` text in
 * the domain's key order, with the columns the queries and constraints need copied from it in
 * the same statement (migrations.ts explains each column).
 */
export async function applyChange(client: PoolClient, change: StoreChange): Promise<void> {
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
  for (const payout of change.payouts ?? []) await upsertPayout(client, payout);
  for (const postback of change.postbacks ?? []) await upsertPostback(client, postback);
  for (const card of change.cards ?? []) await upsertCard(client, card);
  for (const session of change.cardSessions ?? []) await upsertCardSession(client, session);
  for (const [merchantId, balance] of Object.entries(change.balances ?? {})) {
    await client.query(
      `INSERT INTO balances (merchant_id, balance_minor) VALUES ($1, $2)
       ON CONFLICT (merchant_id) DO UPDATE SET balance_minor = EXCLUDED.balance_minor`,
      [merchantId, balance],
    );
  }
  // Only ever raised: the counter normally holds these ids already (nextPaymentId), and then the
  // WHERE leaves the row alone, so payouts never queue on the counter's row lock.
  if (change.lastPaymentId !== undefined)
    await raiseCounter(client, 'payment_id', change.lastPaymentId);
  if (change.lastCardId !== undefined) await raiseCounter(client, 'card_id', change.lastCardId);
  if (change.clock) {
    await client.query(
      `INSERT INTO clock (only_row, state) VALUES (true, $1::json)
       ON CONFLICT (only_row) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`,
      [JSON.stringify(change.clock)],
    );
  }
}

async function raiseCounter(client: PoolClient, name: string, atLeast: number): Promise<void> {
  await client.query('UPDATE counters SET value = $2 WHERE name = $1 AND value < $2', [
    name,
    atLeast,
  ]);
}

const UPSERT_PAYOUT = `
  INSERT INTO payouts (payment_id, merchant_id, order_id, status, method, destination,
                       created_at, view_id, final_due_at, record)
  VALUES ($1, $2, $3, $4, $5, $6::json, $7, $8, $9::timestamptz, $10::json)
  ON CONFLICT (payment_id) DO UPDATE SET
    merchant_id = EXCLUDED.merchant_id, order_id = EXCLUDED.order_id, status = EXCLUDED.status,
    method = EXCLUDED.method, destination = EXCLUDED.destination,
    created_at = EXCLUDED.created_at, view_id = EXCLUDED.view_id,
    final_due_at = EXCLUDED.final_due_at, record = EXCLUDED.record`;

async function upsertPayout(client: PoolClient, payout: Payout): Promise<void> {
  const open = payout.status === 'waiting' || payout.status === 'process';
  const values = (record: Payout): unknown[] => [
    record.paymentId,
    record.merchantId,
    record.orderId,
    record.status,
    record.method,
    JSON.stringify(record.destination),
    record.createdAt,
    record.destination.kind === 'payout-page' ? record.destination.viewId : null,
    open && record.pendingFinal ? record.pendingFinal.dueAt : null,
    JSON.stringify(record),
  ];
  if (payout.status === 'error') {
    // The unique index payouts_one_live_payout_per_order skips payouts in error, so a payout
    // born in error would slip past an order that is taken. A new one goes in as 'process' first
    // (the index checks it, and waits for a concurrent insert of the order), then the upsert below
    // settles it; one that exists already is left to the upsert (DO NOTHING on its id, which is
    // checked before any other index).
    await client.query(
      `INSERT INTO payouts (payment_id, merchant_id, order_id, status, method, destination,
                            created_at, view_id, final_due_at, record)
       VALUES ($1, $2, $3, $4, $5, $6::json, $7, $8, $9::timestamptz, $10::json)
       ON CONFLICT (payment_id) DO NOTHING`,
      values({ ...payout, status: 'process' }),
    );
  }
  await client.query(UPSERT_PAYOUT, values(payout));
}

/** `<payment id>-<n>`: n. */
export function postbackSequence(id: string): number {
  const match = /^\d+-(\d+)$/.exec(id);
  return match ? Number(match[1]) : Number.NaN;
}

async function upsertPostback(client: PoolClient, postback: Postback): Promise<void> {
  const pending = postback.state === 'pending';
  // Writing a postback ends any claim on it: the attempt it was claimed for is recorded.
  await client.query(
    `INSERT INTO postbacks (id, payment_id, sequence, merchant_id, order_id, kind, state, due_at,
                            hold_for_next, lease_owner, lease_expires_at, record)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9, NULL, NULL, $10::json)
     ON CONFLICT (id) DO UPDATE SET
       payment_id = EXCLUDED.payment_id, sequence = EXCLUDED.sequence,
       merchant_id = EXCLUDED.merchant_id, order_id = EXCLUDED.order_id, kind = EXCLUDED.kind,
       state = EXCLUDED.state, due_at = EXCLUDED.due_at, hold_for_next = EXCLUDED.hold_for_next,
       lease_owner = NULL, lease_expires_at = NULL, record = EXCLUDED.record`,
    [
      postback.id,
      postback.paymentId,
      postbackSequence(postback.id),
      postback.merchantId,
      postback.orderId,
      postback.kind,
      postback.state,
      pending ? (postback.dueAt ?? null) : null,
      postback.holdForNext === true,
      JSON.stringify(postback),
    ],
  );
}

async function upsertCard(client: PoolClient, card: SavedCard): Promise<void> {
  await client.query(
    `INSERT INTO saved_cards (token, id, merchant_id, user_id, status, record)
     VALUES ($1, $2, $3, $4, $5, $6::json)
     ON CONFLICT (token) DO UPDATE SET
       id = EXCLUDED.id, merchant_id = EXCLUDED.merchant_id, user_id = EXCLUDED.user_id,
       status = EXCLUDED.status, record = EXCLUDED.record`,
    [card.token, card.id, card.merchantId, card.userId, card.status, JSON.stringify(card)],
  );
}

async function upsertCardSession(client: PoolClient, session: CardSession): Promise<void> {
  await client.query(
    `INSERT INTO card_sessions (payment_id, view_id, merchant_id, state, record)
     VALUES ($1, $2, $3, $4, $5::json)
     ON CONFLICT (payment_id) DO UPDATE SET
       view_id = EXCLUDED.view_id, merchant_id = EXCLUDED.merchant_id, state = EXCLUDED.state,
       record = EXCLUDED.record`,
    [session.paymentId, session.viewId, session.merchantId, session.state, JSON.stringify(session)],
  );
}

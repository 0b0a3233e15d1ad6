import type { PoolClient } from 'pg';
import type { SavedCard } from '../../cards/card.js';
import type { CardSession } from '../../cards/card-session.js';
import type { Payout } from '../../payouts/payout.js';
import type { Postback } from '../../postbacks/postback.js';
import type { LockedView, LockKeys, StoreChange } from '../store.js';

/**
 * The keys `atomically` and `commit` lock, as transaction-scoped advisory locks on a 64-bit hash
 * of a name (`payout:<id>`, `order:["<merchant>","<order>"]`, …). Every write path takes the locks
 * of what it writes, so a plain commit never interleaves with an `atomically` on the same keys,
 * in this process or another. A postback's lock is its payout's (`payout:<payment id>`): the
 * locked view hands out a payout's postbacks with it, so they must be locked together.
 */

export function lockNamesOfKeys(keys: LockKeys): string[] {
  const names: string[] = [];
  for (const id of keys.payouts ?? []) names.push(payoutLock(id));
  for (const order of keys.orders ?? []) names.push(orderLock(order.merchantId, order.orderId));
  for (const merchantId of keys.balances ?? []) names.push(`balance:${merchantId}`);
  for (const id of keys.postbacks ?? []) names.push(postbackLock(id));
  for (const token of keys.cards ?? []) names.push(`card:${token}`);
  for (const id of keys.cardSessions ?? []) names.push(`session:${id}`);
  return names;
}

/** The locks of everything a change writes or forgets. */
export function lockNamesOfChange(change: StoreChange): string[] {
  const names: string[] = [];
  for (const id of change.forget?.payouts ?? []) names.push(payoutLock(id));
  for (const payout of change.payouts ?? []) {
    names.push(payoutLock(payout.paymentId), orderLock(payout.merchantId, payout.orderId));
  }
  for (const merchantId of Object.keys(change.balances ?? {})) names.push(`balance:${merchantId}`);
  for (const postback of change.postbacks ?? []) names.push(postbackLock(postback.id));
  for (const card of change.cards ?? []) names.push(`card:${card.token}`);
  for (const session of change.cardSessions ?? []) names.push(`session:${session.paymentId}`);
  return names;
}

export function payoutLock(paymentId: number): string {
  return `payout:${paymentId}`;
}

export function orderLock(merchantId: string, orderId: string): string {
  return `order:${JSON.stringify([merchantId, orderId])}`;
}

function postbackLock(id: string): string {
  const match = /^(\d+)-\d+$/.exec(id);
  return match ? payoutLock(Number(match[1])) : `postback:${id}`;
}

/**
 * Takes the locks in one statement, in the order of their hashes: every transaction then takes
 * any two locks in the same order, so two never wait on each other (even when two names share a
 * hash). A lock already held by this transaction is taken again at no cost. PostgreSQL evaluates
 * a volatile function in the select list after ORDER BY, so the locks are taken in that order.
 */
export async function takeLocks(client: PoolClient, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await client.query(
    `SELECT pg_advisory_xact_lock(h) FROM (
       SELECT DISTINCT hashtextextended(name, 0) AS h FROM unnest($1::text[]) AS name
     ) AS locks ORDER BY h`,
    [[...new Set(names)]],
  );
}

/**
 * Reads what `keys` name (they are locked) into a synchronous view. Reading anything else from it
 * throws: `decide` may only rely on what no other process can change under it.
 */
export async function readLockedView(client: PoolClient, keys: LockKeys): Promise<LockedView> {
  const payoutIds = [...(keys.payouts ?? [])];
  const orders = keys.orders ?? [];
  const merchants = [...(keys.balances ?? [])];
  const postbackIds = [...(keys.postbacks ?? [])];
  const tokens = [...(keys.cards ?? [])];
  const sessionIds = [...(keys.cardSessions ?? [])];

  const payouts = new Map<number, Payout>();
  const postbacksOf = new Map<number, Postback[]>();
  const latest = new Map<string, Payout>();
  const balances = new Map<string, number>();
  const postbacks = new Map<string, Postback>();
  const cards = new Map<string, SavedCard>();
  const sessions = new Map<number, CardSession>();

  if (payoutIds.length > 0) {
    const found = await client.query<{ record: Payout }>(
      'SELECT record FROM payouts WHERE payment_id = ANY($1::bigint[])',
      [payoutIds],
    );
    for (const { record } of found.rows) payouts.set(record.paymentId, record);
    const children = await client.query<{ record: Postback }>(
      'SELECT record FROM postbacks WHERE payment_id = ANY($1::bigint[]) ORDER BY payment_id, sequence',
      [payoutIds],
    );
    for (const { record } of children.rows) {
      const list = postbacksOf.get(record.paymentId) ?? [];
      list.push(record);
      postbacksOf.set(record.paymentId, list);
    }
  }
  if (orders.length > 0) {
    const found = await client.query<{ record: Payout }>(
      `SELECT DISTINCT ON (merchant_id, order_id) record FROM payouts p
        WHERE (merchant_id, order_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
          AND NOT EXISTS (SELECT 1 FROM forgotten_orders f WHERE f.merchant_id = p.merchant_id
                            AND f.order_id = p.order_id AND f.payment_id >= p.payment_id)
        ORDER BY merchant_id, order_id, payment_id DESC`,
      [orders.map((order) => order.merchantId), orders.map((order) => order.orderId)],
    );
    for (const { record } of found.rows) {
      latest.set(orderLock(record.merchantId, record.orderId), record);
    }
  }
  if (merchants.length > 0) {
    const found = await client.query<{ merchant_id: string; balance_minor: number }>(
      'SELECT merchant_id, balance_minor FROM balances WHERE merchant_id = ANY($1::text[])',
      [merchants],
    );
    for (const row of found.rows) balances.set(row.merchant_id, row.balance_minor);
  }
  if (postbackIds.length > 0) {
    const found = await client.query<{ record: Postback }>(
      'SELECT record FROM postbacks WHERE id = ANY($1::text[])',
      [postbackIds],
    );
    for (const { record } of found.rows) postbacks.set(record.id, record);
  }
  if (tokens.length > 0) {
    const found = await client.query<{ record: SavedCard }>(
      'SELECT record FROM saved_cards WHERE token = ANY($1::text[])',
      [tokens],
    );
    for (const { record } of found.rows) cards.set(record.token, record);
  }
  if (sessionIds.length > 0) {
    const found = await client.query<{ record: CardSession }>(
      'SELECT record FROM card_sessions WHERE payment_id = ANY($1::bigint[])',
      [sessionIds],
    );
    for (const { record } of found.rows) sessions.set(record.paymentId, record);
  }

  const locked = {
    payouts: new Set(payoutIds),
    orders: new Set(orders.map((order) => orderLock(order.merchantId, order.orderId))),
    balances: new Set(merchants),
    postbacks: new Set(postbackIds),
    cards: new Set(tokens),
    sessions: new Set(sessionIds),
  };
  const check = (held: Set<unknown>, key: unknown, what: string): void => {
    if (!held.has(key)) {
      throw new Error(
        `atomically(): decide read ${what}, which its keys do not name; add it to the keys (a bug in the sandbox)`,
      );
    }
  };
  return {
    payout(paymentId) {
      check(locked.payouts, paymentId, `payout ${paymentId}`);
      return payouts.get(paymentId);
    },
    postbacksOf(paymentId) {
      check(locked.payouts, paymentId, `the postbacks of payout ${paymentId}`);
      return [...(postbacksOf.get(paymentId) ?? [])];
    },
    latestPayoutForOrder(merchantId, orderId) {
      const key = orderLock(merchantId, orderId);
      check(locked.orders, key, `order ${orderId} of merchant ${merchantId}`);
      return latest.get(key);
    },
    balance(merchantId) {
      check(locked.balances, merchantId, `the balance of merchant ${merchantId}`);
      return balances.get(merchantId);
    },
    postback(id) {
      check(locked.postbacks, id, `postback ${id}`);
      return postbacks.get(id);
    },
    card(token) {
      check(locked.cards, token, `saved card ${token}`);
      return cards.get(token);
    },
    cardSession(paymentId) {
      check(locked.sessions, paymentId, `card session ${paymentId}`);
      return sessions.get(paymentId);
    },
  };
}

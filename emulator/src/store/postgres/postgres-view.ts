import type { QueryConfig } from 'pg';
import type { SavedCard } from '../../cards/card.js';
import type { CardSession } from '../../cards/card-session.js';
import type { Payout } from '../../payouts/payout.js';
import type { Postback } from '../../postbacks/postback.js';
import type { LockedView, LockKeys } from '../store.js';
import { orderLock } from './postgres-locks.js';

/**
 * What `atomically` reads once its keys are locked, in ONE statement: every round trip here is
 * time the keys stay locked, and every other `atomically` on them (a merchant's balance: each of
 * its payouts) waits that long. Each part is a json array (json_agg keeps each record's text as
 * stored, so key order too); empty parts cost an index probe each.
 */
const LOCKED_VIEW = {
  text: `SELECT
    (SELECT json_agg(record) FROM payouts WHERE payment_id = ANY($1::bigint[])) AS payouts,
    (SELECT json_agg(record ORDER BY payment_id, sequence) FROM postbacks
      WHERE payment_id = ANY($1::bigint[])) AS children,
    (SELECT json_agg(record) FROM (
       SELECT DISTINCT ON (merchant_id, order_id) record FROM payouts p
        WHERE (merchant_id, order_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))
          AND NOT EXISTS (SELECT 1 FROM forgotten_orders f WHERE f.merchant_id = p.merchant_id
                            AND f.order_id = p.order_id AND f.payment_id >= p.payment_id)
        ORDER BY merchant_id, order_id, payment_id DESC) AS newest) AS latest,
    (SELECT json_agg(json_build_array(merchant_id, balance_minor)) FROM balances
      WHERE merchant_id = ANY($4::text[])) AS balances,
    (SELECT json_agg(record) FROM postbacks WHERE id = ANY($5::text[])) AS postbacks,
    (SELECT json_agg(record) FROM saved_cards WHERE token = ANY($6::text[])) AS cards,
    (SELECT json_agg(record) FROM card_sessions WHERE payment_id = ANY($7::bigint[])) AS sessions`,
};

export interface ViewRow {
  payouts: Payout[] | null;
  children: Postback[] | null;
  latest: Payout[] | null;
  balances: [string, number][] | null;
  postbacks: Postback[] | null;
  cards: SavedCard[] | null;
  sessions: CardSession[] | null;
}

/** The one statement that reads what `keys` name, for lockedView. */
export function lockedViewQuery(keys: LockKeys): QueryConfig {
  const orders = keys.orders ?? [];
  return {
    ...LOCKED_VIEW,
    values: [
      [...(keys.payouts ?? [])],
      orders.map((order) => order.merchantId),
      orders.map((order) => order.orderId),
      [...(keys.balances ?? [])],
      [...(keys.postbacks ?? [])],
      [...(keys.cards ?? [])],
      [...(keys.cardSessions ?? [])],
    ],
  };
}

/**
 * What `keys` name (they are locked), from lockedViewQuery's row, as a synchronous view. Reading
 * anything else from it throws: `decide` may only rely on what no other process can change
 * under it.
 */
export function lockedView(row: ViewRow | undefined, keys: LockKeys): LockedView {
  const payoutIds = [...(keys.payouts ?? [])];
  const orders = keys.orders ?? [];
  const merchants = [...(keys.balances ?? [])];
  const postbackIds = [...(keys.postbacks ?? [])];
  const tokens = [...(keys.cards ?? [])];
  const sessionIds = [...(keys.cardSessions ?? [])];

  const payouts = new Map<number, Payout>();
  for (const record of row?.payouts ?? []) payouts.set(record.paymentId, record);
  const postbacksOf = new Map<number, Postback[]>();
  for (const record of row?.children ?? []) {
    const list = postbacksOf.get(record.paymentId) ?? [];
    list.push(record);
    postbacksOf.set(record.paymentId, list);
  }
  const latest = new Map<string, Payout>();
  for (const record of row?.latest ?? []) {
    latest.set(orderLock(record.merchantId, record.orderId), record);
  }
  const balances = new Map<string, number>(row?.balances ?? []);
  const postbacks = new Map<string, Postback>();
  for (const record of row?.postbacks ?? []) postbacks.set(record.id, record);
  const cards = new Map<string, SavedCard>();
  for (const record of row?.cards ?? []) cards.set(record.token, record);
  const sessions = new Map<number, CardSession>();
  for (const record of row?.sessions ?? []) sessions.set(record.paymentId, record);

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

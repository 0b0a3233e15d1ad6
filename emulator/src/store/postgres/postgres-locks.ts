import type { PoolClient, QueryConfig } from 'pg';
import type { LockKeys, StoreChange } from '../store.js';

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
  await client.query(lockStatement(names));
}

/** takeLocks' statement, for a query that sends it with others. */
export function lockStatement(names: readonly string[]): QueryConfig {
  return {
    text: `SELECT pg_advisory_xact_lock(h) FROM (
       SELECT DISTINCT hashtextextended(name, 0) AS h FROM unnest($1::text[]) AS name
     ) AS locks ORDER BY h`,
    values: [[...new Set(names)]],
  };
}

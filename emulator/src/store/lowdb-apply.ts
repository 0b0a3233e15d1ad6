import type { Low } from 'lowdb';
import type { Postback } from '../postbacks/postback.js';
import type { ColdPostback, ColdRecords } from './cold.js';
import type { StringPool } from './intern.js';
import { orderKey, type RecordLookups } from './lowdb-lookups.js';
import type { PayoutSummary, StoreChange, StoreData } from './store.js';

/**
 * Applying a commit's change to the file store's memory, and how to take it back: a commit whose
 * journal line does not reach the disk is undone (lowdb-records.ts), so memory never shows what
 * the file does not hold.
 */

/** Puts back what one commit changed in memory. */
export type Undo = () => void;

/** What a change is applied to: lowdb's document, the settled records on disk, the lookups. */
export interface RecordsInMemory {
  readonly db: Low<StoreData>;
  readonly cold: ColdRecords | undefined;
  readonly strings: StringPool;
  readonly lookups: RecordLookups;
}

/** Applies a change to memory and returns how to take it back. */
export function applyChange(records: RecordsInMemory, change: StoreChange): Undo {
  const data = records.db.data;
  const undo: Undo[] = [];
  if (change.reset) undo.push(clearRecords(records));
  for (const paymentId of change.forget?.payouts ?? []) undo.push(forgetPayout(records, paymentId));
  // With a file, payouts and postbacks soon settle and leave memory: sharing their strings
  // would cost every commit and save nothing. Without one, they stay: share them.
  const share = !records.cold;
  for (const payout of change.payouts ?? []) {
    if (share) records.strings.record(payout);
    const key = String(payout.paymentId);
    const before = data.payouts[key];
    const coldBefore = records.cold?.payouts.get(payout.paymentId);
    const order = orderKey(payout.merchantId, payout.orderId);
    const indexed = records.lookups.byOrder.get(order);
    undo.push(() => {
      restore(data.payouts, key, before);
      if (coldBefore) records.cold?.payouts.set(payout.paymentId, coldBefore);
      if (indexed === undefined) records.lookups.byOrder.delete(order);
      else records.lookups.byOrder.set(order, indexed);
    });
    if (coldBefore) records.cold?.removePayout(payout.paymentId);
    data.payouts[key] = payout;
    records.lookups.indexPayout(payout);
  }
  for (const postback of change.postbacks ?? []) {
    if (share) records.strings.record(postback);
    const before = data.postbacks[postback.id];
    const coldBefore = records.cold?.postbacks.get(postback.id);
    undo.push(() => {
      restore(data.postbacks, postback.id, before);
      if (coldBefore) records.cold?.postbacks.set(postback.id, coldBefore);
    });
    if (coldBefore) records.cold?.removePostback(postback.id);
    data.postbacks[postback.id] = postback;
  }
  for (const card of change.cards ?? []) {
    const before = data.cards[card.token];
    const idBefore = records.lookups.cardIds.get(card.id);
    undo.push(() => {
      restore(data.cards, card.token, before);
      if (idBefore === undefined) records.lookups.cardIds.delete(card.id);
      else records.lookups.cardIds.set(card.id, idBefore);
    });
    data.cards[card.token] = records.strings.record(card);
    records.lookups.cardIds.set(card.id, card.token);
  }
  for (const session of change.cardSessions ?? []) {
    const key = String(session.paymentId);
    const before = data.cardSessions[key];
    const viewBefore = records.lookups.sessionViews.get(session.viewId);
    undo.push(() => {
      restore(data.cardSessions, key, before);
      if (viewBefore === undefined) records.lookups.sessionViews.delete(session.viewId);
      else records.lookups.sessionViews.set(session.viewId, viewBefore);
    });
    data.cardSessions[key] = session;
    records.lookups.sessionViews.set(session.viewId, session.paymentId);
  }
  if (change.lastCardId !== undefined && change.lastCardId > data.lastCardId) {
    const before = data.lastCardId;
    undo.push(() => (data.lastCardId = before));
    data.lastCardId = change.lastCardId;
  }
  for (const [merchantId, balance] of Object.entries(change.balances ?? {})) {
    const before = data.balances[merchantId];
    undo.push(() => restore(data.balances, merchantId, before));
    data.balances[merchantId] = balance;
  }
  if (change.lastPaymentId !== undefined && change.lastPaymentId > data.lastPaymentId) {
    const before = data.lastPaymentId;
    undo.push(() => (data.lastPaymentId = before));
    data.lastPaymentId = change.lastPaymentId;
  }
  if (change.clock) {
    const before = data.clock;
    undo.push(() => (before ? (data.clock = before) : delete data.clock));
    data.clock = change.clock;
  }
  return () => {
    for (let i = undo.length - 1; i >= 0; i--) undo[i]?.();
  };
}

/**
 * Removes a payout, in memory or on disk, with its postbacks, its order id (when the index
 * points at it) and its payout page's id; returns how to put all of it back. A payout the
 * store does not hold (forgotten already, or replayed twice) changes nothing.
 */
function forgetPayout(records: RecordsInMemory, paymentId: number): Undo {
  const data = records.db.data;
  const cold = records.cold;
  const key = String(paymentId);
  const hot = data.payouts[key];
  const coldEntry = cold?.payouts.get(paymentId);
  const summary: PayoutSummary | undefined = hot ?? coldEntry;
  if (!summary) return () => {};
  const postbacks: { id: string; hot?: Postback; cold?: ColdPostback }[] = [];
  for (let k = 1; ; k++) {
    const id = `${paymentId}-${k}`;
    const hotPostback = data.postbacks[id];
    const coldPostback = cold?.postbacks.get(id);
    if (!hotPostback && !coldPostback) break;
    postbacks.push({
      id,
      ...(hotPostback ? { hot: hotPostback } : {}),
      ...(coldPostback ? { cold: coldPostback } : {}),
    });
  }
  const order = orderKey(summary.merchantId, summary.orderId);
  const ownsOrder = records.lookups.byOrder.get(order) === paymentId;
  const viewId =
    summary.destination.kind === 'payout-page' ? summary.destination.viewId : undefined;
  const ownsView = viewId !== undefined && records.lookups.payoutViews.get(viewId) === paymentId;

  delete data.payouts[key];
  cold?.removePayout(paymentId);
  for (const postback of postbacks) {
    delete data.postbacks[postback.id];
    cold?.removePostback(postback.id);
  }
  if (ownsOrder) records.lookups.byOrder.delete(order);
  if (ownsView) records.lookups.payoutViews.delete(viewId);
  // The very objects go back: a fold meanwhile moved the cold entries' spots in place.
  return () => {
    if (hot) data.payouts[key] = hot;
    if (coldEntry) cold?.payouts.set(paymentId, coldEntry);
    for (const postback of postbacks) {
      if (postback.hot) data.postbacks[postback.id] = postback.hot;
      if (postback.cold) cold?.postbacks.set(postback.id, postback.cold);
    }
    if (ownsOrder) records.lookups.byOrder.set(order, paymentId);
    if (ownsView) records.lookups.payoutViews.set(viewId, paymentId);
  };
}

/** Empties the record collections and their indexes; returns how to put them back. */
function clearRecords(records: RecordsInMemory): Undo {
  const data = records.db.data;
  const before = {
    payouts: data.payouts,
    postbacks: data.postbacks,
    cards: data.cards,
    cardSessions: data.cardSessions,
    balances: data.balances,
  };
  const indexes = records.lookups.all();
  const saved = indexes.map((index) => new Map<unknown, unknown>(index));
  const cold = records.cold;
  const coldPayouts = [...(cold?.payouts ?? [])];
  const coldPostbacks = [...(cold?.postbacks ?? [])];
  Object.assign(data, { payouts: {}, postbacks: {}, cards: {}, cardSessions: {}, balances: {} });
  for (const index of indexes) index.clear();
  cold?.clear();
  return () => {
    Object.assign(data, before);
    indexes.forEach((index, i) => {
      index.clear();
      for (const [key, value] of saved[i] ?? []) index.set(key, value);
    });
    for (const [key, entry] of coldPayouts) cold?.payouts.set(key, entry);
    for (const [key, entry] of coldPostbacks) cold?.postbacks.set(key, entry);
  };
}

function restore<T>(record: Record<string, T>, key: string, before: T | undefined): void {
  if (before === undefined) delete record[key];
  else record[key] = before;
}

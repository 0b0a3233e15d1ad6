import type { Low } from 'lowdb';
import type { SavedCard } from '../cards/card.js';
import type { CardSession } from '../cards/card-session.js';
import { restoredNow, type ClockState } from '../clock.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import {
  ColdRecords,
  isSettledPayout,
  isSettledPostback,
  type ColdPostback,
  type Spot,
} from './cold.js';
import { spotKey, type DataFile } from './data-file.js';
import type { FileLock } from './file-lock.js';
import { StringPool } from './intern.js';
import type { Journal, JournalSpot } from './journal.js';
import type { SettledEntry } from './settled-index.js';
import { pointAtNewFile, settleRecords } from './settling.js';
import type {
  LockedView,
  PayoutSummary,
  PostbackSummary,
  StoreChange,
  StoreData,
} from './store.js';

/** Puts back what one commit changed in memory. */
type Undo = () => void;

/**
 * The file store's state: lowdb's document holds the records still moving, `ColdRecords` where
 * the settled ones are on disk (cold.ts). A record moves to disk once the write that settled it
 * is durable, and the lists and lookups see both. Reads are synchronous: `LowdbStore`
 * (lowdb-store-api.ts) answers the Store interface from them, and they are the view
 * `atomically` hands its `decide`.
 */
export class LowdbRecords implements LockedView {
  private readonly byOrder = new Map<string, number>();
  private readonly strings = new StringPool();
  private readonly cold: ColdRecords | undefined;
  private journal: Journal | undefined;
  private lock: FileLock | undefined;
  private adapter: DataFile | undefined;
  private clockSource: (() => ClockState) | undefined;
  private closed = false;
  private readonly listeners = new Set<(change: StoreChange) => void>();

  /** Payout pages' payment ids by the id in their URL. */
  private readonly payoutViews = new Map<string, number>();
  /** Card tokens by card id. */
  private readonly cardIds = new Map<number, string>();
  /** Card session payment ids by the id in their page URL. */
  private readonly sessionViews = new Map<string, number>();

  constructor(
    private readonly db: Low<StoreData>,
    files?: { readonly data: string; readonly journal: string },
  ) {
    this.cold = files ? new ColdRecords(this.strings, files) : undefined;
  }

  /** A settled record, from the summary an intact data file gives of it: it stays on disk. */
  takeSettled(record: SettledEntry): void {
    if (!this.cold) return;
    if (record.section === 'payouts') {
      this.index(record.entry);
      this.cold.adoptPayout(record.entry);
    } else {
      this.cold.adoptPostback(record.entry);
    }
  }

  /**
   * Offered each record of the data file as it is read: a settled one stays on disk (only its
   * summary and place are kept). Returns whether it was taken.
   */
  takeFromFile(section: string, record: never, spot: Spot): boolean {
    if (!this.cold) return false;
    if (section === 'payouts') {
      const payout = record as Payout;
      this.index(payout);
      if (!isSettledPayout(payout)) return false;
      this.cold.addPayout(payout, spot);
      return true;
    }
    if (section === 'postbacks' && isSettledPostback(record)) {
      this.cold.addPostback(record, spot);
      return true;
    }
    return false;
  }

  /** After the data file was read: indexes and shared strings for what stayed in memory. */
  loaded(): void {
    const data = this.db.data;
    for (const payout of Object.values(data.payouts)) this.index(this.strings.record(payout));
    for (const postback of Object.values(data.postbacks)) this.strings.record(postback);
    for (const [token, card] of Object.entries(data.cards)) {
      this.strings.record(card);
      this.cardIds.set(card.id, token);
    }
    for (const session of Object.values(data.cardSessions)) {
      this.sessionViews.set(session.viewId, session.paymentId);
    }
  }

  attach(journal: Journal, lock: FileLock, adapter: DataFile): void {
    this.journal = journal;
    this.lock = lock;
    this.adapter = adapter;
  }

  payout(paymentId: number): Payout | undefined {
    return this.db.data.payouts[paymentId] ?? this.cold?.payout(paymentId);
  }

  latestPayoutForOrder(merchantId: string, orderId: string): Payout | undefined {
    const paymentId = this.byOrder.get(orderKey(merchantId, orderId));
    return paymentId === undefined ? undefined : this.payout(paymentId);
  }

  payoutByView(viewId: string): Payout | undefined {
    const paymentId = this.payoutViews.get(viewId);
    return paymentId === undefined ? undefined : this.payout(paymentId);
  }

  payouts(): Payout[] {
    const all = Object.values(this.db.data.payouts);
    for (const id of this.cold?.payouts.keys() ?? []) {
      const payout = this.cold?.payout(id);
      if (payout) all.push(payout);
    }
    return all;
  }

  payoutSummaries(match: (payout: PayoutSummary) => boolean = () => true): PayoutSummary[] {
    const found: PayoutSummary[] = Object.values(this.db.data.payouts).filter(match);
    for (const summary of this.cold?.payouts.values() ?? [])
      if (match(summary)) found.push(summary);
    return found;
  }

  openPayouts(): Payout[] {
    return Object.values(this.db.data.payouts).filter(
      (payout) => payout.status === 'waiting' || payout.status === 'process',
    );
  }

  balance(merchantId: string): number | undefined {
    return this.db.data.balances[merchantId];
  }

  lastPaymentId(): number {
    return this.db.data.lastPaymentId;
  }

  postback(id: string): Postback | undefined {
    return this.db.data.postbacks[id] ?? this.cold?.postback(id);
  }

  /** A payment's postbacks, `<payment id>-1`, `-2`, … in order. */
  postbacksOf(paymentId: number): Postback[] {
    const found: Postback[] = [];
    for (let k = 1; ; k++) {
      const postback = this.postback(`${paymentId}-${k}`);
      if (!postback) return found;
      found.push(postback);
    }
  }

  postbacks(): Postback[] {
    const all = Object.values(this.db.data.postbacks);
    for (const id of this.cold?.postbacks.keys() ?? []) {
      const postback = this.cold?.postback(id);
      if (postback) all.push(postback);
    }
    return all;
  }

  postbackSummaries(match: (postback: PostbackSummary) => boolean = () => true): PostbackSummary[] {
    const found: PostbackSummary[] = Object.values(this.db.data.postbacks).filter(match);
    for (const summary of this.cold?.postbacks.values() ?? []) {
      if (match(summary)) found.push(summary);
    }
    return found;
  }

  pendingPostbacks(): Postback[] {
    return Object.values(this.db.data.postbacks).filter((p) => p.state === 'pending');
  }

  /** How many payouts and postbacks are held in memory (the rest are on disk). */
  resident(): { payouts: number; postbacks: number } {
    return {
      payouts: Object.keys(this.db.data.payouts).length,
      postbacks: Object.keys(this.db.data.postbacks).length,
    };
  }

  counts(): { payouts: number; postbacks: number } {
    return {
      payouts: Object.keys(this.db.data.payouts).length + (this.cold?.payouts.size ?? 0),
      postbacks: Object.keys(this.db.data.postbacks).length + (this.cold?.postbacks.size ?? 0),
    };
  }

  card(token: string): SavedCard | undefined {
    return this.db.data.cards[token];
  }

  cardById(id: number): SavedCard | undefined {
    const token = this.cardIds.get(id);
    return token === undefined ? undefined : this.card(token);
  }

  cards(): Iterable<SavedCard> {
    return Object.values(this.db.data.cards);
  }

  lastCardId(): number {
    return this.db.data.lastCardId;
  }

  cardSession(paymentId: number): CardSession | undefined {
    return this.db.data.cardSessions[paymentId];
  }

  cardSessionByView(viewId: string): CardSession | undefined {
    const paymentId = this.sessionViews.get(viewId);
    return paymentId === undefined ? undefined : this.cardSession(paymentId);
  }

  cardSessions(): Iterable<CardSession> {
    return Object.values(this.db.data.cardSessions);
  }

  clockState(): ClockState | undefined {
    return this.db.data.clock;
  }

  followClock(current: () => ClockState): void {
    this.clockSource = current;
  }

  commit(change: StoreChange): Promise<void> {
    const full = this.withClock(change);
    const line = this.journal ? JSON.stringify(full) : '';
    const undo = this.apply(full);
    if (!this.journal) {
      this.tell(full);
      return Promise.resolve();
    }
    // Settling runs as the line is known durable, before the journal may fold itself into the
    // data file: every record on disk is then where the fold looks for it.
    return this.journal
      .append(line, undo, (spot) => this.settle(full, spot))
      .then(() => this.tell(full));
  }

  onCommitted(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies a journal line read at start; `spot` is where that line is. */
  replay(change: StoreChange, spot: JournalSpot): void {
    this.apply(change);
    this.settle(change, spot);
  }

  /** Writes the whole state to the data file and empties the journal. */
  async compact(): Promise<void> {
    await this.journal?.settled();
    await this.fold();
  }

  /**
   * Rewrites the data file from memory and the settled records' lines, then empties the
   * journal. Every settled record then lives in the new data file, and is found there.
   */
  async fold(): Promise<void> {
    if (!this.adapter) return;
    const cold = this.cold;
    const coldPayouts = [...(cold?.payouts.values() ?? [])];
    const coldPostbacks = [...(cold?.postbacks.values() ?? [])];
    const hotPayouts = { ...this.db.data.payouts };
    const hotPostbacks = { ...this.db.data.postbacks };
    cold?.holdData();
    const spots = await this.adapter.writeWith(this.db.data, {
      payouts: coldPayouts.map((entry) => {
        const key = String(entry.paymentId);
        return { key, line: () => cold?.line(entry.spot, 'payouts', key) ?? '', summary: entry };
      }),
      postbacks: coldPostbacks.map((entry) => ({
        key: entry.id,
        line: () => cold?.line(entry.spot, 'postbacks', entry.id) ?? '',
        summary: entry,
      })),
    });
    cold?.reopenData();
    pointAtNewFile(spots, coldPayouts, coldPostbacks);
    // A settled record that was in memory moves to disk if it is still the same record.
    if (cold) {
      const payouts = Object.values(hotPayouts);
      const postbacks = Object.values(hotPostbacks);
      settleRecords(this.db.data, cold, { payouts, postbacks }, (section, key) =>
        spots.get(spotKey(section, key)),
      );
    }
    await this.journal?.clear();
  }

  async close(): Promise<void> {
    if (!this.journal || this.closed) return;
    this.closed = true;
    try {
      await this.journal.settled();
      if (this.clockSource) this.db.data.clock = this.clockSource();
      await this.fold();
      await this.journal.close();
    } finally {
      this.cold?.close();
      await this.lock?.release();
    }
  }

  private tell(change: StoreChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; the change is on disk all the same.
      }
    }
  }

  /** Moves the change's settled records to disk: they are at `spot` in the journal now. */
  private settle(change: StoreChange, spot: JournalSpot): void {
    if (!this.cold) return;
    const where: Spot = { file: 'journal', offset: spot.offset, length: spot.length };
    settleRecords(this.db.data, this.cold, change, () => where);
  }

  /**
   * The clock's state rides along with a commit when restoring the saved one would no longer
   * give the clock's time (a clock faster or slower than real time drifts from it).
   */
  private withClock(change: StoreChange): StoreChange {
    if (change.clock || !this.clockSource) return change;
    const now = this.clockSource();
    const saved = this.db.data.clock;
    if (saved && Math.abs(restoredNow(saved, now.realMs) - now.nowMs) < 1) return change;
    return { ...change, clock: now };
  }

  /** Applies a change to memory and returns how to take it back. */
  private apply(change: StoreChange): Undo {
    const data = this.db.data;
    const undo: Undo[] = [];
    if (change.reset) undo.push(this.clearRecords());
    for (const paymentId of change.forget?.payouts ?? []) undo.push(this.forgetPayout(paymentId));
    // With a file, payouts and postbacks soon settle and leave memory: sharing their strings
    // would cost every commit and save nothing. Without one, they stay: share them.
    const share = !this.cold;
    for (const payout of change.payouts ?? []) {
      if (share) this.strings.record(payout);
      const key = String(payout.paymentId);
      const before = data.payouts[key];
      const coldBefore = this.cold?.payouts.get(payout.paymentId);
      const order = orderKey(payout.merchantId, payout.orderId);
      const indexed = this.byOrder.get(order);
      undo.push(() => {
        restore(data.payouts, key, before);
        if (coldBefore) this.cold?.payouts.set(payout.paymentId, coldBefore);
        if (indexed === undefined) this.byOrder.delete(order);
        else this.byOrder.set(order, indexed);
      });
      if (coldBefore) this.cold?.removePayout(payout.paymentId);
      data.payouts[key] = payout;
      this.index(payout);
    }
    for (const postback of change.postbacks ?? []) {
      if (share) this.strings.record(postback);
      const before = data.postbacks[postback.id];
      const coldBefore = this.cold?.postbacks.get(postback.id);
      undo.push(() => {
        restore(data.postbacks, postback.id, before);
        if (coldBefore) this.cold?.postbacks.set(postback.id, coldBefore);
      });
      if (coldBefore) this.cold?.removePostback(postback.id);
      data.postbacks[postback.id] = postback;
    }
    for (const card of change.cards ?? []) {
      const before = data.cards[card.token];
      const idBefore = this.cardIds.get(card.id);
      undo.push(() => {
        restore(data.cards, card.token, before);
        if (idBefore === undefined) this.cardIds.delete(card.id);
        else this.cardIds.set(card.id, idBefore);
      });
      data.cards[card.token] = this.strings.record(card);
      this.cardIds.set(card.id, card.token);
    }
    for (const session of change.cardSessions ?? []) {
      const key = String(session.paymentId);
      const before = data.cardSessions[key];
      const viewBefore = this.sessionViews.get(session.viewId);
      undo.push(() => {
        restore(data.cardSessions, key, before);
        if (viewBefore === undefined) this.sessionViews.delete(session.viewId);
        else this.sessionViews.set(session.viewId, viewBefore);
      });
      data.cardSessions[key] = session;
      this.sessionViews.set(session.viewId, session.paymentId);
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
  private forgetPayout(paymentId: number): Undo {
    const data = this.db.data;
    const cold = this.cold;
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
    const ownsOrder = this.byOrder.get(order) === paymentId;
    const viewId =
      summary.destination.kind === 'payout-page' ? summary.destination.viewId : undefined;
    const ownsView = viewId !== undefined && this.payoutViews.get(viewId) === paymentId;

    delete data.payouts[key];
    cold?.removePayout(paymentId);
    for (const postback of postbacks) {
      delete data.postbacks[postback.id];
      cold?.removePostback(postback.id);
    }
    if (ownsOrder) this.byOrder.delete(order);
    if (ownsView) this.payoutViews.delete(viewId);
    // The very objects go back: a fold meanwhile moved the cold entries' spots in place.
    return () => {
      if (hot) data.payouts[key] = hot;
      if (coldEntry) cold?.payouts.set(paymentId, coldEntry);
      for (const postback of postbacks) {
        if (postback.hot) data.postbacks[postback.id] = postback.hot;
        if (postback.cold) cold?.postbacks.set(postback.id, postback.cold);
      }
      if (ownsOrder) this.byOrder.set(order, paymentId);
      if (ownsView) this.payoutViews.set(viewId, paymentId);
    };
  }

  /** Empties the record collections and their indexes; returns how to put them back. */
  private clearRecords(): Undo {
    const data = this.db.data;
    const before = {
      payouts: data.payouts,
      postbacks: data.postbacks,
      cards: data.cards,
      cardSessions: data.cardSessions,
      balances: data.balances,
    };
    const indexes = [this.byOrder, this.payoutViews, this.cardIds, this.sessionViews] as const;
    const saved = indexes.map((index) => new Map<unknown, unknown>(index));
    const cold = this.cold;
    const coldPayouts = [...(cold?.payouts ?? [])];
    const coldPostbacks = [...(cold?.postbacks ?? [])];
    Object.assign(data, { payouts: {}, postbacks: {}, cards: {}, cardSessions: {}, balances: {} });
    for (const index of indexes) index.clear();
    cold?.clear();
    return () => {
      Object.assign(data, before);
      indexes.forEach((index, i) => {
        index.clear();
        for (const [key, value] of saved[i] ?? []) (index as Map<unknown, unknown>).set(key, value);
      });
      for (const [key, entry] of coldPayouts) cold?.payouts.set(key, entry);
      for (const [key, entry] of coldPostbacks) cold?.postbacks.set(key, entry);
    };
  }

  private index(payout: PayoutSummary): void {
    // A page's id never changes and never names another payout: no undo is needed for it
    // (forgetting one takes it out, and its undo puts it back).
    if (payout.destination.kind === 'payout-page') {
      this.payoutViews.set(payout.destination.viewId, payout.paymentId);
    }
    const key = orderKey(payout.merchantId, payout.orderId);
    const current = this.byOrder.get(key);
    if (current === undefined || current <= payout.paymentId)
      this.byOrder.set(key, payout.paymentId);
  }
}

function restore<T>(record: Record<string, T>, key: string, before: T | undefined): void {
  if (before === undefined) delete record[key];
  else record[key] = before;
}

function orderKey(merchantId: string, orderId: string): string {
  return `${merchantId}\u0000${orderId}`;
}

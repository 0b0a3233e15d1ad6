import type { Low } from 'lowdb';
import type { SavedCard } from '../cards/card.js';
import type { CardSession } from '../cards/card-session.js';
import { withClockIfDrifted, type ClockState } from '../clock.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import { ColdRecords, isSettledPayout, isSettledPostback, type Spot } from './cold.js';
import { spotKey, type DataFile } from './data-file.js';
import { applyChange, type RecordsInMemory } from './lowdb-apply.js';
import { orderKey, RecordLookups } from './lowdb-lookups.js';
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

/**
 * The file store's state: lowdb's document holds the records still moving, `ColdRecords` where
 * the settled ones are on disk (cold.ts). A record moves to disk once the write that settled it
 * is durable, and the lists and lookups see both. Reads are synchronous: `LowdbStore`
 * (lowdb-store-api.ts) answers the Store interface from them, and they are the view
 * `atomically` hands its `decide`.
 */
export class LowdbRecords implements LockedView {
  private readonly strings = new StringPool();
  private readonly lookups = new RecordLookups();
  private readonly cold: ColdRecords | undefined;
  /** What a commit's change is applied to (lowdb-apply.ts). */
  private readonly memory: RecordsInMemory;
  private journal: Journal | undefined;
  private lock: FileLock | undefined;
  private adapter: DataFile | undefined;
  private clockSource: (() => ClockState) | undefined;
  private closed = false;
  private readonly listeners = new Set<(change: StoreChange) => void>();

  constructor(
    private readonly db: Low<StoreData>,
    files?: { readonly data: string; readonly journal: string },
  ) {
    this.cold = files ? new ColdRecords(this.strings, files) : undefined;
    this.memory = { db, cold: this.cold, strings: this.strings, lookups: this.lookups };
  }

  /** A settled record, from the summary an intact data file gives of it: it stays on disk. */
  takeSettled(record: SettledEntry): void {
    if (!this.cold) return;
    if (record.section === 'payouts') {
      this.lookups.indexPayout(record.entry);
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
      this.lookups.indexPayout(payout);
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
    for (const payout of Object.values(data.payouts))
      this.lookups.indexPayout(this.strings.record(payout));
    for (const postback of Object.values(data.postbacks)) this.strings.record(postback);
    for (const [token, card] of Object.entries(data.cards)) {
      this.strings.record(card);
      this.lookups.cardIds.set(card.id, token);
    }
    for (const session of Object.values(data.cardSessions)) {
      this.lookups.sessionViews.set(session.viewId, session.paymentId);
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
    const paymentId = this.lookups.byOrder.get(orderKey(merchantId, orderId));
    return paymentId === undefined ? undefined : this.payout(paymentId);
  }

  payoutByView(viewId: string): Payout | undefined {
    const paymentId = this.lookups.payoutViews.get(viewId);
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
    const token = this.lookups.cardIds.get(id);
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
    const paymentId = this.lookups.sessionViews.get(viewId);
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
    const undo = applyChange(this.memory, full);
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
    applyChange(this.memory, change);
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

  private withClock(change: StoreChange): StoreChange {
    return withClockIfDrifted(change, this.db.data.clock, this.clockSource);
  }
}

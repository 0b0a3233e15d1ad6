import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low, Memory } from 'lowdb';
import type { SavedCard } from '../cards/card.js';
import type { CardSession } from '../cards/card-session.js';
import { restoredNow, type ClockState } from '../clock.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import { DataFile, DataFileError } from './data-file.js';
import { lockFile, LockHeldError, type FileLock } from './file-lock.js';
import { StringPool } from './intern.js';
import { Journal, replayJournal } from './journal.js';
import {
  emptyStoreData,
  StoreOpenError,
  type Store,
  type StoreChange,
  type StoreData,
} from './store.js';

/**
 * lowdb holds the whole state in memory and writes it as one JSON file. Rewriting that file for
 * every payout would cost O(stored payouts) per request, so each change is first appended to a
 * journal beside it (journal.ts: fdatasync'd, group commit). The JSON file is rewritten only when
 * the journal has grown as large as the file itself, and on close, so the rewrite cost stays
 * proportional to the writes. On open, the journal is replayed over the file. See
 * docs/decisions/0003-store.md and 0011-store-integrity.md.
 */
export interface LowdbStoreOptions {
  /** The JSON file; `undefined` keeps everything in memory (for tests of other projects). */
  readonly file?: string;
  /** Warnings on open (a torn last journal line after a crash); defaults to ignoring them. */
  readonly onWarning?: (message: string) => void;
  /** The journal size below which it is never folded into the file (64 MiB). */
  readonly compactionBytes?: number;
  /** How long to wait for a data file locked by a process that is still exiting (3 s). */
  readonly lockWaitMs?: number;
  /**
   * How the user named the data file, for the messages that say what to change: `--data-file`,
   * `SANDBOX_DB`, `dataFile (in sandbox.yaml)`… (`SANDBOX_DB` by default). The store knows no
   * settings; the caller does.
   */
  readonly dataFileSetting?: string;
}

/**
 * The journal is folded into the file when it outgrows the file and this floor. Folding writes
 * the whole store (and stops the event loop while it serialises it), so it should be rare: 64 MiB
 * of journal replays in well under a second at start.
 */
const MIN_COMPACTION_BYTES = 64 * 1024 * 1024;

export async function openLowdbStore(options: LowdbStoreOptions): Promise<Store> {
  if (options.file === undefined) {
    return new LowdbStore(new Low<StoreData>(new Memory<StoreData>(), emptyStoreData()));
  }
  const file = options.file;
  try {
    return await openFileStore(file, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof StoreOpenError || code === undefined) throw error;
    throw new StoreOpenError(
      `The data file ${file} cannot be used (${code}: ${(error as Error).message}). Point ${dataFileSetting(options)} at a file in a folder this user can write (or :memory: to keep nothing), or fix the folder's permissions.`,
    );
  }
}

async function openFileStore(file: string, options: LowdbStoreOptions): Promise<Store> {
  await mkdir(dirname(file), { recursive: true });
  const lock = await lockFile(`${file}.lock`, {
    ...(options.lockWaitMs !== undefined ? { waitMs: options.lockWaitMs } : {}),
    ...(options.onWarning ? { onUnavailable: options.onWarning } : {}),
  }).catch((error: unknown) => {
    if (!(error instanceof LockHeldError)) throw error;
    throw new StoreOpenError(
      `The data file ${file} is in use by another sandbox (${error.holder}). Stop it, or give this one another data file with ${dataFileSetting(options)} (:memory: keeps nothing).`,
    );
  });
  try {
    return await openLocked(file, lock, options);
  } catch (error) {
    // Refused: the file is left exactly as it was, and the next start may try again.
    await lock.release();
    throw error;
  }
}

function dataFileSetting(options: LowdbStoreOptions): string {
  return options.dataFileSetting ?? 'SANDBOX_DB';
}

async function openLocked(
  file: string,
  lock: FileLock,
  options: LowdbStoreOptions,
): Promise<Store> {
  const adapter = new DataFile(file);
  const journalFile = `${file}.journal`;
  const db = new Low<StoreData>(adapter, emptyStoreData());
  try {
    await db.read();
  } catch (error) {
    if (!(error instanceof DataFileError)) throw error;
    throw new StoreOpenError(
      `The data file ${file} cannot be read as a sandbox store: ${error.detail}. ` +
        'Restore it from a copy, or move it (and its .journal) away to start afresh; the sandbox never overwrites a file it cannot read.',
    );
  }
  const fresh = (await fileSize(file)) === 0;
  if (fresh && (await fileSize(journalFile)) > 0) {
    throw new StoreOpenError(
      `The data file ${file} is empty but its journal ${journalFile} is not: the data file was lost or cut, and the journal alone holds only part of the state. ` +
        'Restore the data file from a copy, or move both away to start afresh.',
    );
  }
  const store = new LowdbStore(db);
  const replay = await replayJournal(
    journalFile,
    (change) => store.replay(change),
    options.onWarning ?? (() => {}),
  );
  const floor = options.compactionBytes ?? MIN_COMPACTION_BYTES;
  let snapshotBytes = await fileSize(file);
  const fold = async (): Promise<void> => {
    await db.write();
    await journal.clear();
    snapshotBytes = await fileSize(file);
  };
  const journal: Journal = await Journal.open(journalFile, {
    due: (bytes) => bytes > Math.max(floor, snapshotBytes),
    run: fold,
  });
  store.attach(journal, lock, fold);
  // Write the file at once (the data file named in the start banner exists, in the current
  // layout), folding the journal into it. If that fails (a full disk), the journal still holds
  // every change and the sandbox goes on with it.
  if (fresh || replay.applied > 0 || adapter.readVersion !== 3) {
    await store.compact().catch((error: unknown) => {
      options.onWarning?.(
        `could not rewrite ${file} (${(error as Error).message}); the journal keeps every change`,
      );
    });
  }
  return store;
}

/** Puts back what one commit changed in memory. */
type Undo = () => void;

class LowdbStore implements Store {
  private readonly byOrder = new Map<string, number>();
  private readonly strings = new StringPool();
  private journal: Journal | undefined;
  private lock: FileLock | undefined;
  private fold: (() => Promise<void>) | undefined;
  private clockSource: (() => ClockState) | undefined;
  private closed = false;
  private readonly listeners = new Set<(change: StoreChange) => void>();

  /** Payout pages' payment ids by the id in their URL. */
  private readonly payoutViews = new Map<string, number>();
  /** Card tokens by card id. */
  private readonly cardIds = new Map<number, string>();
  /** Card session payment ids by the id in their page URL. */
  private readonly sessionViews = new Map<string, number>();

  constructor(private readonly db: Low<StoreData>) {
    // What JSON.parse gave every record separately is shared from here on (see intern.ts).
    for (const [id, payout] of Object.entries(db.data.payouts)) {
      const shared = this.strings.record(payout);
      db.data.payouts[id] = shared;
      this.index(shared);
    }
    for (const [id, postback] of Object.entries(db.data.postbacks)) {
      db.data.postbacks[id] = this.strings.record(postback);
    }
    for (const [token, card] of Object.entries(db.data.cards)) {
      db.data.cards[token] = this.strings.record(card);
      this.cardIds.set(card.id, token);
    }
    for (const session of Object.values(db.data.cardSessions)) {
      this.sessionViews.set(session.viewId, session.paymentId);
    }
  }

  attach(journal: Journal, lock: FileLock, fold: () => Promise<void>): void {
    this.journal = journal;
    this.lock = lock;
    this.fold = fold;
  }

  payout(paymentId: number): Payout | undefined {
    return this.db.data.payouts[paymentId];
  }

  latestPayoutForOrder(merchantId: string, orderId: string): Payout | undefined {
    const paymentId = this.byOrder.get(orderKey(merchantId, orderId));
    return paymentId === undefined ? undefined : this.payout(paymentId);
  }

  payouts(): Iterable<Payout> {
    return Object.values(this.db.data.payouts);
  }

  balance(merchantId: string): number | undefined {
    return this.db.data.balances[merchantId];
  }

  lastPaymentId(): number {
    return this.db.data.lastPaymentId;
  }

  postback(id: string): Postback | undefined {
    return this.db.data.postbacks[id];
  }

  postbacks(): Iterable<Postback> {
    return Object.values(this.db.data.postbacks);
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
    const written = this.journal ? this.journal.append(line, undo) : Promise.resolve();
    return written.then(() => this.tell(full));
  }

  onCommitted(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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

  /** Applies a journal line read at start. */
  replay(change: StoreChange): void {
    this.apply(change);
  }

  /** Writes the whole state to the data file and empties the journal. */
  async compact(): Promise<void> {
    await this.journal?.settled();
    await this.fold?.();
  }

  async close(): Promise<void> {
    if (!this.journal || this.closed) return;
    this.closed = true;
    try {
      await this.journal.settled();
      if (this.clockSource) this.db.data.clock = this.clockSource();
      await this.fold?.();
      await this.journal.close();
    } finally {
      await this.lock?.release();
    }
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
    for (const raw of change.payouts ?? []) {
      const payout = this.strings.record(raw);
      const key = String(payout.paymentId);
      const before = data.payouts[key];
      const order = orderKey(payout.merchantId, payout.orderId);
      const indexed = this.byOrder.get(order);
      undo.push(() => {
        restore(data.payouts, key, before);
        if (indexed === undefined) this.byOrder.delete(order);
        else this.byOrder.set(order, indexed);
      });
      data.payouts[key] = payout;
      this.index(payout);
    }
    for (const raw of change.postbacks ?? []) {
      const before = data.postbacks[raw.id];
      undo.push(() => restore(data.postbacks, raw.id, before));
      data.postbacks[raw.id] = this.strings.record(raw);
    }
    for (const raw of change.cards ?? []) {
      const before = data.cards[raw.token];
      const idBefore = this.cardIds.get(raw.id);
      undo.push(() => {
        restore(data.cards, raw.token, before);
        if (idBefore === undefined) this.cardIds.delete(raw.id);
        else this.cardIds.set(raw.id, idBefore);
      });
      data.cards[raw.token] = this.strings.record(raw);
      this.cardIds.set(raw.id, raw.token);
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

  payoutByView(viewId: string): Payout | undefined {
    const paymentId = this.payoutViews.get(viewId);
    return paymentId === undefined ? undefined : this.payout(paymentId);
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
    Object.assign(data, { payouts: {}, postbacks: {}, cards: {}, cardSessions: {}, balances: {} });
    for (const index of indexes) index.clear();
    return () => {
      Object.assign(data, before);
      indexes.forEach((index, i) => {
        index.clear();
        for (const [key, value] of saved[i] ?? []) (index as Map<unknown, unknown>).set(key, value);
      });
    };
  }

  private index(payout: Payout): void {
    // A page's id never changes and never names another payout: no undo is needed for it.
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

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

import type { SavedCard } from '../cards/card.js';
import type { CardSession } from '../cards/card-session.js';
import type { ClockState } from '../clock.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';

/**
 * What the domain sees of storage; the file store (lowdb-store.ts) and the PostgreSQL store
 * (postgres/postgres-store.ts) both implement it, and several processes may share one PostgreSQL
 * store (docs/decisions/0018-one-store-interface.md).
 *
 * Reads are asynchronous and may see other processes' commits. A check and the change it guards
 * therefore never span two reads: they go through `atomically`, which locks what it names (across
 * processes on PostgreSQL), hands a synchronous `decide` a view of it, and commits what `decide`
 * returns before anything else touching those keys runs.
 *
 * `commit` resolves when the change is durable: a caller answers only after that. A commit that
 * does not reach the disk (or the database) rejects with a `StoreWriteError` and changes nothing
 * anyone can see (the file store also takes back every commit made after it: they may have read it).
 */
export interface Store {
  /** 'file' (lowdb), 'memory' (lowdb, nothing written) or 'postgres'. */
  readonly kind: StoreKind;
  /**
   * True when other processes may commit to this store (PostgreSQL): the dispatcher and the
   * payout timers then also sweep for work another process left (`duePostbacks`, `duePayouts`).
   */
  readonly shared: boolean;

  payout(paymentId: number): Promise<Payout | undefined>;
  /** A payout page's payout, by the id in the page's URL. */
  payoutByView(viewId: string): Promise<Payout | undefined>;
  /**
   * The newest payout a merchant made with this order id. Once that payout is forgotten
   * (`StoreChange.forget`), none, even while an older one of the order (declined) is still
   * held: a forgotten payout's order id may be used again.
   */
  latestPayoutForOrder(merchantId: string, orderId: string): Promise<Payout | undefined>;
  /** Every payout, oldest first: for tests and tools, never a request path. */
  payouts(): Promise<Payout[]>;
  /** The summaries of the payouts that match, newest (highest payment id) first. */
  payoutSummaries(query?: PayoutQuery): Promise<PayoutSummary[]>;
  /** One page of the payouts that match, newest first: the admin list. */
  payoutPage(query: PayoutQuery, page: PageRequest<number>): Promise<Page<Payout>>;
  /** Payouts still moving (`waiting`, `process`): their timers are armed again after a start. */
  openPayouts(): Promise<Payout[]>;
  /**
   * Open payouts whose `pendingFinal.dueAt` is at or before `dueBy` (sandbox clock, epoch ms):
   * a shared store's processes sweep for the ones a dead process would have ended.
   */
  duePayouts(dueBy: number, limit: number): Promise<Payout[]>;
  balance(merchantId: string): Promise<number | undefined>;
  /** A saved card by its token (lowercase), removed ones included. */
  card(token: string): Promise<SavedCard | undefined>;
  cardById(id: number): Promise<SavedCard | undefined>;
  /** Every saved card (removed ones included), or a user's when `owner` is given. */
  cards(owner?: { readonly merchantId: string; readonly userId: string }): Promise<SavedCard[]>;
  /** A hosted-page (or Gateway) card session by its payment id, or by the id in its page URL. */
  cardSession(paymentId: number): Promise<CardSession | undefined>;
  cardSessionByView(viewId: string): Promise<CardSession | undefined>;
  cardSessions(): Promise<CardSession[]>;
  postback(id: string): Promise<Postback | undefined>;
  /** A payment's postbacks, `<payment id>-1`, `-2`, … in order. */
  postbacksOf(paymentId: number): Promise<Postback[]>;
  /** The outbox and its delivery log, oldest first: for tests and tools. */
  postbacks(): Promise<Postback[]>;
  /** The summaries of the postbacks that match, newest first (by payment, then sequence). */
  postbackSummaries(query?: PostbackQuery): Promise<PostbackSummary[]>;
  /** One page of the postbacks that match, newest first; `after` is the previous page's last id. */
  postbackPage(query: PostbackQuery, page: PageRequest<string>): Promise<Page<Postback>>;
  /** Postbacks waiting for an attempt. */
  pendingPostbacks(): Promise<Postback[]>;
  /**
   * Pending postbacks due at or before `dueBy` (sandbox clock, epoch ms) that no process holds a
   * claim on: a shared store's processes sweep for the ones a dead process left.
   */
  duePostbacks(dueBy: number, limit: number): Promise<Postback[]>;
  /**
   * Takes a pending postback for one delivery attempt by this process and returns it as stored;
   * undefined when it is not pending or another process holds it. The claim ends with the commit
   * that records the attempt, or when its lease (longer than an attempt's timeout) runs out, so
   * a process killed mid-delivery leaves the postback to another. Each attempt is made by one
   * process only.
   */
  claimPostback(id: string): Promise<Postback | undefined>;
  /** How many payouts and postbacks are stored. */
  counts(): Promise<{ readonly payouts: number; readonly postbacks: number }>;

  /**
   * A new payment id (payouts and card sessions share them): `next(last)` with the last one
   * handed out by any process, so ids are unique and increasing. `next` draws the seeded gap
   * (randomness.ts) and may be called more than once when processes race.
   */
  nextPaymentId(next: (last: number) => number): Promise<number>;
  /** A new saved card id, as `nextPaymentId`. */
  nextCardId(next: (last: number) => number): Promise<number>;

  /**
   * Locks what `keys` name, calls `decide` with them as stored, and commits the change it
   * returns (if any) before anything else touching those keys can read or write them, here or in
   * another process. `decide` is synchronous and may read only what `keys` name. Resolves with
   * its `result` once the change is durable; rejects with a `StoreWriteError` (nothing changed)
   * when it is not.
   */
  atomically<T>(keys: LockKeys, decide: (view: LockedView) => Decided<T>): Promise<T>;
  commit(change: StoreChange): Promise<void>;

  /** Where the sandbox clock stood when it was last saved; undefined in a new store. */
  clockState(): Promise<ClockState | undefined>;
  /**
   * Saves the clock's state with later commits whenever it has moved away from what the saved
   * state predicts (a clock faster or slower than real time), so a restart never goes back.
   */
  followClock(current: () => ClockState): void;
  /**
   * Calls `listener` with every change once it is durable (the dashboard's live events, the
   * long polls, the shared clock): this process's own (`here`) and, on a shared store, other
   * processes' (`elsewhere`, with their records read back). A listener that throws is ignored.
   * Returns how to stop listening.
   */
  onCommitted(listener: (change: StoreChange, origin: ChangeOrigin) => void): () => void;
  /**
   * Whether the store can serve now, cheaply (`GET /__sandbox/health`): the file store always
   * can once open; the PostgreSQL store when its database answers in a couple of seconds. Never
   * rejects: a failure is `{ ok: false, problem }`, said without a password.
   */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

export type StoreHealth = { readonly ok: true } | { readonly ok: false; readonly problem: string };

export type StoreKind = 'file' | 'memory' | 'postgres';
export type ChangeOrigin = 'here' | 'elsewhere';

/** What `atomically` locks and reads. */
export interface LockKeys {
  /** Payouts by payment id, with their postbacks (`LockedView.postbacksOf`). */
  readonly payouts?: readonly number[];
  /** Orders: `LockedView.latestPayoutForOrder` (a payout may then be made with that order id). */
  readonly orders?: readonly { readonly merchantId: string; readonly orderId: string }[];
  /** Balances by merchant id. */
  readonly balances?: readonly string[];
  readonly postbacks?: readonly string[];
  /** Saved cards by token (lowercase). */
  readonly cards?: readonly string[];
  /** Card sessions by payment id. */
  readonly cardSessions?: readonly number[];
}

/** The locked keys as stored, for `atomically`'s `decide`. Reading anything else is a bug. */
export interface LockedView {
  payout(paymentId: number): Payout | undefined;
  postbacksOf(paymentId: number): Postback[];
  latestPayoutForOrder(merchantId: string, orderId: string): Payout | undefined;
  balance(merchantId: string): number | undefined;
  postback(id: string): Postback | undefined;
  card(token: string): SavedCard | undefined;
  cardSession(paymentId: number): CardSession | undefined;
}

/** What `decide` came to: a change to commit (none: nothing is written) and what to resolve with. */
export interface Decided<T> {
  readonly change?: StoreChange;
  readonly result: T;
}

/** The admin list's payout filter; every field given must match. */
export interface PayoutQuery {
  readonly merchantId?: string;
  readonly orderId?: string;
  readonly paymentId?: number;
  readonly statuses?: readonly Payout['status'][];
  readonly method?: Payout['method'];
  /**
   * Paid to this card: a saved card's token (any case) or id, or a masked number (`hash`, any
   * case), whatever the destination (an IBAN matches none).
   */
  readonly card?: string;
}

export interface PostbackQuery {
  readonly orderId?: string;
  readonly paymentId?: number;
  readonly state?: Postback['state'];
}

export interface PageRequest<Cursor> {
  readonly limit: number;
  /** The previous page's last item: this page starts after it (older). */
  readonly after?: Cursor;
}

export interface Page<T> {
  readonly items: T[];
  /** How many match in all, whatever the page. */
  readonly total: number;
  /** Whether items come after this page. */
  readonly more: boolean;
}

/**
 * What finding a payout takes: the admin lists filter on these without reading the record, and
 * retention picks by them. `pendingFinal` is only ever set on a payout still moving (a settled
 * one, on disk, has none).
 */
export type PayoutSummary = Pick<
  Payout,
  | 'paymentId'
  | 'merchantId'
  | 'orderId'
  | 'status'
  | 'method'
  | 'destination'
  | 'createdAt'
  | 'updatedAt'
  | 'pendingFinal'
>;

export type PostbackSummary = Pick<Postback, 'id' | 'paymentId' | 'orderId' | 'state' | 'kind'>;

/** Whole records, not deltas: replaying a change twice gives the same state. */
export interface StoreChange {
  /**
   * Clears payouts, postbacks, saved cards, card sessions and balances before the rest of the
   * change applies (`POST /__sandbox/reset {"data": true}`). Ids go on from where they were.
   */
  readonly reset?: true;
  /**
   * Payouts to forget (retention), applied after `reset` and before the records: each payout,
   * in memory or on disk, with its postbacks (`<payment id>-1`, `-2`, … while one exists), its
   * order id (when it is the order's newest payout: the order id may then be used again) and
   * its payout page's id. Balances, ids, cards and card sessions are untouched. An id the store
   * does not hold is passed over, so replaying the change again is harmless.
   */
  readonly forget?: { readonly payouts: readonly number[] };
  readonly payouts?: readonly Payout[];
  /** Balances in minor units, by merchant id. */
  readonly balances?: Readonly<Record<string, number>>;
  /**
   * The highest payment id this change uses (`nextPaymentId` handed it out): the file store keeps
   * it so a restart goes on after it; the PostgreSQL store's counter has it already.
   */
  readonly lastPaymentId?: number;
  readonly postbacks?: readonly Postback[];
  readonly cards?: readonly SavedCard[];
  readonly lastCardId?: number;
  readonly cardSessions?: readonly CardSession[];
  readonly clock?: ClockState;
}

/** The JSON document lowdb holds. */
export interface StoreData {
  version: 3;
  lastPaymentId: number;
  lastCardId: number;
  balances: Record<string, number>;
  payouts: Record<string, Payout>;
  postbacks: Record<string, Postback>;
  /** By token. */
  cards: Record<string, SavedCard>;
  /** By payment id. */
  cardSessions: Record<string, CardSession>;
  clock?: ClockState;
}

export function emptyStoreData(): StoreData {
  return {
    version: 3,
    lastPaymentId: 0,
    lastCardId: 0,
    balances: {},
    payouts: {},
    postbacks: {},
    cards: {},
    cardSessions: {},
  };
}

/** The data file cannot be used as it is. The message says what to do. */
export class StoreOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreOpenError';
  }
}

/** A change did not reach the disk: nothing of it (or of what came after it) was kept. */
export class StoreWriteError extends Error {
  constructor(file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    super(
      `could not write ${file} (${code}); the change was not stored. ${
        code === 'ENOSPC' || code === 'EDQUOT'
          ? 'The disk is full: free space, or point SANDBOX_DB at another disk.'
          : 'Check that the disk is writable and SANDBOX_DB points where this user can write.'
      }`,
      { cause },
    );
    this.name = 'StoreWriteError';
  }
}

/**
 * The store could not be read (its database cannot be reached, or did not answer in time):
 * nothing was changed. The message says what happened and what to do, and never holds a password.
 */
export class StoreReadError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'StoreReadError';
  }
}

import type { SavedCard } from '../cards/card.js';
import type { CardSession } from '../cards/card-session.js';
import type { ClockState } from '../clock.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';

/**
 * What the domain sees of storage. Reads come from memory and are synchronous, so a check and
 * the change it guards happen in one tick (two requests with one order id cannot both pass).
 * `commit` applies a change to memory at once and resolves when it is on disk: a caller answers
 * only after that. A commit that does not reach the disk rejects with a `StoreWriteError` and is
 * taken back from memory, together with every commit made after it (they may have read it), so
 * nothing anyone can see depends on a write that did not happen.
 */
export interface Store {
  payout(paymentId: number): Payout | undefined;
  /** A payout page's payout, by the id in the page's URL. */
  payoutByView(viewId: string): Payout | undefined;
  /**
   * The newest payout a merchant made with this order id. Once that payout is forgotten
   * (`StoreChange.forget`), none, even while an older one of the order (declined) is still
   * held: a forgotten payout's order id may be used again.
   */
  latestPayoutForOrder(merchantId: string, orderId: string): Payout | undefined;
  /**
   * Every payout, settled ones read back from disk one by one: for tests and tools. Request
   * paths use `payoutSummaries` and `openPayouts`, which stay cheap at any size.
   */
  payouts(): Payout[];
  /** What the lists filter on, for the payouts `match` accepts (nothing is read from disk). */
  payoutSummaries(match?: (payout: PayoutSummary) => boolean): PayoutSummary[];
  /** Payouts still moving (`waiting`, `process`): their timers are armed again after a start. */
  openPayouts(): Payout[];
  balance(merchantId: string): number | undefined;
  lastPaymentId(): number;
  postback(id: string): Postback | undefined;
  /** A saved card by its token (lowercase), removed ones included. */
  card(token: string): SavedCard | undefined;
  cardById(id: number): SavedCard | undefined;
  cards(): Iterable<SavedCard>;
  lastCardId(): number;
  /** A hosted-page (or Gateway) card session by its payment id, or by the id in its page URL. */
  cardSession(paymentId: number): CardSession | undefined;
  cardSessionByView(viewId: string): CardSession | undefined;
  cardSessions(): Iterable<CardSession>;
  /** The outbox and its delivery log, settled ones read back from disk: for tests and tools. */
  postbacks(): Postback[];
  postbackSummaries(match?: (postback: PostbackSummary) => boolean): PostbackSummary[];
  /** Postbacks waiting for an attempt. */
  pendingPostbacks(): Postback[];
  /** How many payouts and postbacks are stored. */
  counts(): { readonly payouts: number; readonly postbacks: number };
  /** Where the sandbox clock stood when it was last saved; undefined in a new store. */
  clockState(): ClockState | undefined;
  /**
   * Saves the clock's state with later commits whenever it has moved away from what the saved
   * state predicts (a clock faster or slower than real time), so a restart never goes back.
   */
  followClock(current: () => ClockState): void;
  commit(change: StoreChange): Promise<void>;
  /**
   * Calls `listener` with every change once it is on disk (the dashboard's live events). A
   * listener that throws is ignored. Returns how to stop listening.
   */
  onCommitted(listener: (change: StoreChange) => void): () => void;
  close(): Promise<void>;
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

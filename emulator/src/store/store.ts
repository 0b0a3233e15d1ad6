import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';

/**
 * What the domain sees of storage. Reads come from memory and are synchronous, so a check and
 * the change it guards happen in one tick (two requests with one order id cannot both pass).
 * `commit` applies a change to memory at once and resolves when it is on disk: a caller answers
 * only after that.
 */
export interface Store {
  payout(paymentId: number): Payout | undefined;
  /** The newest payout a merchant made with this order id. */
  latestPayoutForOrder(merchantId: string, orderId: string): Payout | undefined;
  payouts(): Iterable<Payout>;
  balance(merchantId: string): number | undefined;
  lastPaymentId(): number;
  postback(id: string): Postback | undefined;
  /** The outbox and its delivery log. */
  postbacks(): Iterable<Postback>;
  commit(change: StoreChange): Promise<void>;
  close(): Promise<void>;
}

/** Whole records, not deltas: replaying a change twice gives the same state. */
export interface StoreChange {
  readonly payouts?: readonly Payout[];
  /** Balances in minor units, by merchant id. */
  readonly balances?: Readonly<Record<string, number>>;
  readonly lastPaymentId?: number;
  readonly postbacks?: readonly Postback[];
}

/** The JSON document lowdb holds. */
export interface StoreData {
  version: 1;
  lastPaymentId: number;
  balances: Record<string, number>;
  payouts: Record<string, Payout>;
  postbacks: Record<string, Postback>;
}

export function emptyStoreData(): StoreData {
  return { version: 1, lastPaymentId: 0, balances: {}, payouts: {}, postbacks: {} };
}

/** The data file cannot be used as it is. The message says what to do. */
export class StoreOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreOpenError';
  }
}

import type { MerchantDirectory } from '../merchants/merchants.js';
import type { Store } from '../store/store.js';
import type { Postback } from './postback.js';

/** Which postback a waiter waits for: an order's (its newest payout's) or a payment's. */
export interface WaitFilter {
  orderId?: string;
  paymentId?: number;
  merchantId?: string;
}

interface Waiter {
  matches: (p: Postback) => boolean;
  done: () => void;
}

/** A payment's postbacks, in order: ids are `<payment id>-1`, `-2`, ... */
export function postbacksOf(store: Store, paymentId: number): Postback[] {
  const found: Postback[] = [];
  for (let k = 1; ; k++) {
    const postback = store.postback(`${paymentId}-${k}`);
    if (!postback) return found;
    found.push(postback);
  }
}

/**
 * The long polls on the outbox (`GET /__sandbox/postbacks/wait`, `waitForPostback`): each waits
 * for a postback to be delivered or to fail for good, and is asked again after every attempt.
 */
export class PostbackWaiters {
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly deps: { readonly store: Store; readonly merchants: MerchantDirectory },
  ) {}

  /**
   * Resolves with the newest payout's postback for the order once it is delivered (or failed for
   * good), or with undefined after `timeoutMs` of real time.
   */
  waitFor(filter: WaitFilter, timeoutMs: number): Promise<Postback | undefined> {
    // Looked up through the order and payment indexes, never by scanning the outbox: a waiter
    // is asked again after every delivery.
    const settled = (): Postback | undefined => {
      const paymentId = filter.paymentId ?? this.newestPaymentFor(filter);
      if (paymentId === undefined) return undefined;
      const ofPayment = postbacksOf(this.deps.store, paymentId).filter(
        (p) => filter.orderId === undefined || p.orderId === filter.orderId,
      );
      return (
        ofPayment.find((p) => p.state === 'delivered') ??
        (ofPayment.length > 0 && ofPayment.every((p) => p.state === 'failed')
          ? ofPayment[0]
          : undefined)
      );
    };
    const now = settled();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const waiter = {
        matches: () => settled() !== undefined,
        done: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(settled());
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** After an attempt: the waiters this postback answers resolve. */
  notify(postback: Postback): void {
    if (this.waiters.size === 0) return;
    for (const waiter of [...this.waiters]) if (waiter.matches(postback)) waiter.done();
  }

  /** On stop: every waiter resolves now, with what there is. */
  releaseAll(): void {
    for (const waiter of [...this.waiters]) waiter.done();
  }

  /** The newest payout of the order, among the merchants that could have made it. */
  private newestPaymentFor(filter: WaitFilter): number | undefined {
    if (filter.orderId === undefined) return undefined;
    const merchants =
      filter.merchantId === undefined
        ? this.deps.merchants.all().map((m) => m.id)
        : [filter.merchantId];
    let newest: number | undefined;
    for (const merchantId of merchants) {
      const payout = this.deps.store.latestPayoutForOrder(merchantId, filter.orderId);
      if (payout && (newest === undefined || payout.paymentId > newest)) newest = payout.paymentId;
    }
    return newest;
  }
}

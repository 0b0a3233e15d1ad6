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
  /** Looks at the store again, and resolves if its postback is settled. */
  check: () => void;
  /** Resolves now, with what there is. */
  release: () => void;
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
    const settled = async (): Promise<Postback | undefined> => {
      const paymentId = filter.paymentId ?? (await this.newestPaymentFor(filter));
      if (paymentId === undefined) return undefined;
      const ofPayment = (await this.deps.store.postbacksOf(paymentId)).filter(
        (p) => filter.orderId === undefined || p.orderId === filter.orderId,
      );
      return (
        ofPayment.find((p) => p.state === 'delivered') ??
        (ofPayment.length > 0 && ofPayment.every((p) => p.state === 'failed')
          ? ofPayment[0]
          : undefined)
      );
    };
    // Listening before the first look: a delivery while the store is read is not missed.
    return new Promise((resolve) => {
      let finished = false;
      const finish = (postback: Postback | undefined): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(postback);
      };
      const look = (): void => {
        settled().then(
          (found) => {
            if (found) finish(found);
          },
          () => {
            // The store could not be read: the next delivery, or the timeout, answers.
          },
        );
      };
      const waiter: Waiter = {
        check: look,
        release: () => {
          settled().then(finish, () => finish(undefined));
        },
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      this.waiters.add(waiter);
      look();
    });
  }

  /** After an attempt (here, or recorded by another process): the waiters look again. */
  notify(_postback: Postback): void {
    for (const waiter of this.waiters) waiter.check();
  }

  /** On stop: every waiter resolves now, with what there is. */
  releaseAll(): void {
    for (const waiter of [...this.waiters]) waiter.release();
  }

  /** The newest payout of the order, among the merchants that could have made it. */
  private async newestPaymentFor(filter: WaitFilter): Promise<number | undefined> {
    if (filter.orderId === undefined) return undefined;
    const merchants =
      filter.merchantId === undefined
        ? this.deps.merchants.all().map((m) => m.id)
        : [filter.merchantId];
    let newest: number | undefined;
    for (const merchantId of merchants) {
      const payout = await this.deps.store.latestPayoutForOrder(merchantId, filter.orderId);
      if (payout && (newest === undefined || payout.paymentId > newest)) newest = payout.paymentId;
    }
    return newest;
  }
}

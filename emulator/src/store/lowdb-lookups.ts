import type { PayoutSummary } from './store.js';

/**
 * The file store's lookups by something other than a record's own key: the latest payout of an
 * order, payout pages and card sessions by the id in their URL, card tokens by card id. Kept
 * with the records in LowdbRecords; a commit updates them and its undo puts them back
 * (lowdb-apply.ts).
 */
export class RecordLookups {
  /** The latest payment id of each order (`orderKey`). */
  readonly byOrder = new Map<string, number>();
  /** Payout pages' payment ids by the id in their URL. */
  readonly payoutViews = new Map<string, number>();
  /** Card tokens by card id. */
  readonly cardIds = new Map<number, string>();
  /** Card session payment ids by the id in their page URL. */
  readonly sessionViews = new Map<string, number>();

  /** Every lookup, for a reset that empties them all and its undo. */
  all(): readonly Map<unknown, unknown>[] {
    return [this.byOrder, this.payoutViews, this.cardIds, this.sessionViews];
  }

  /** Indexes a payout by its order and, for a payout page, by its page's id. */
  indexPayout(payout: PayoutSummary): void {
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

export function orderKey(merchantId: string, orderId: string): string {
  return `${merchantId}\u0000${orderId}`;
}

import type { Payout } from '../payouts/payout.js';
import type {
  Page,
  PageRequest,
  PayoutQuery,
  PayoutSummary,
  PostbackQuery,
  PostbackSummary,
} from './store.js';

/**
 * What `PayoutQuery` and `PostbackQuery` mean, for a store that filters records in memory (the
 * file store): the PostgreSQL store says the same in SQL.
 */

export function matchesPayout(payout: PayoutSummary, query: PayoutQuery): boolean {
  return (
    (query.merchantId === undefined || payout.merchantId === query.merchantId) &&
    (query.orderId === undefined || payout.orderId === query.orderId) &&
    (query.paymentId === undefined || payout.paymentId === query.paymentId) &&
    (query.statuses === undefined || query.statuses.includes(payout.status)) &&
    (query.method === undefined || payout.method === query.method) &&
    (query.card === undefined || paidToCard(payout, query.card))
  );
}

/** A saved card by its token or id, or any card by its masked number. */
export function paidToCard(payout: Pick<Payout, 'destination'>, card: string): boolean {
  const destination = payout.destination;
  const masked = card.toUpperCase();
  switch (destination.kind) {
    case 'saved-card':
      return (
        destination.token === card.toLowerCase() ||
        String(destination.cardId) === card ||
        destination.hash.toUpperCase() === masked
      );
    case 'card-number':
    case 'payout-page':
      return destination.hash?.toUpperCase() === masked;
    case 'iban':
      return false;
  }
}

export function matchesPostback(postback: PostbackSummary, query: PostbackQuery): boolean {
  return (
    (query.orderId === undefined || postback.orderId === query.orderId) &&
    (query.paymentId === undefined || postback.paymentId === query.paymentId) &&
    (query.state === undefined || postback.state === query.state)
  );
}

/** Postback ids are `<payment id>-<n>`: newest first is by payment, then its latest first. */
function postbackSortKey(id: string): readonly [number, number] {
  const [payment = '0', sequence = '0'] = id.split('-');
  return [Number(payment), Number(sequence)];
}

/** Above 0 when `a` comes after `b` in a newest-first list. */
export function comparePostbacksNewestFirst(a: string, b: string): number {
  const [aPayment, aSequence] = postbackSortKey(a);
  const [bPayment, bSequence] = postbackSortKey(b);
  return bPayment - aPayment || bSequence - aSequence;
}

/**
 * One page of `sorted` (newest first): the items after the cursor, at most `limit`, read whole
 * by `read` (a record gone meanwhile is left out), with the total and whether more follow.
 */
export function pageOf<S, T, C>(
  sorted: readonly S[],
  page: PageRequest<C>,
  isAfter: (summary: S, cursor: C) => boolean,
  read: (summary: S) => T | undefined,
): Page<T> {
  const cursor = page.after;
  const after = cursor === undefined ? sorted : sorted.filter((s) => isAfter(s, cursor));
  const items = after
    .slice(0, page.limit)
    .map(read)
    .filter((item): item is T => item !== undefined);
  return { items, total: sorted.length, more: after.length > page.limit };
}

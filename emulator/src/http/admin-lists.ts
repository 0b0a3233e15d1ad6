import type { PayoutFilter, PayoutPage, RequestFilter, RequestPage } from '../admin/api-types.js';
import { JOURNAL_LIMITS, type RequestJournal } from '../gateway/journal.js';
import { PAYOUT_METHODS, type Payout, type PayoutStatus } from '../payouts/payout.js';
import type { Store } from '../store/store.js';
import { badRequest, type AdminRefusal } from './admin-errors.js';
import { filterText, listCursor, listLimit, queryValue } from './list-query.js';

/**
 * The admin API's lists of payouts and of journal entries, with filters, a cursor and a total:
 * plain functions, so the routes and `startSandbox()` take the same filters and answer the same
 * pages (as the QA actions in admin-actions.ts).
 */

type Result<T> = ({ readonly ok: true } & T) | AdminRefusal;

const PAYOUT_STATUSES: readonly PayoutStatus[] = ['waiting', 'process', 'ok', 'error'];
const PAYMENT_ID = /^\d{1,15}$/;
/** A payment id as the store writes it: no leading zeros. */
const CANONICAL_PAYMENT_ID = /^(?:0|[1-9]\d{0,14})$/;

/** The payouts that match `query` (a query string's values, or a `PayoutFilter`), newest first. */
export async function listPayouts(
  store: Store,
  filter: PayoutFilter | Readonly<Record<string, unknown>>,
): Promise<Result<{ page: PayoutPage }>> {
  const query = filter as Readonly<Record<string, unknown>>;
  const merchantId = filterText(query.merchant_id);
  const orderId = filterText(query.order_id);
  const paymentId = filterText(query.payment_id);
  const status = filterText(query.status);
  const method = filterText(query.method);
  const card = filterText(query.card);
  const cursor = listCursor(queryValue(query.cursor), PAYMENT_ID);
  const problems: Record<string, string> = {};
  if (status !== undefined && !(PAYOUT_STATUSES as readonly string[]).includes(status)) {
    problems.status = `must be one of ${PAYOUT_STATUSES.join(', ')}, not "${status.slice(0, 100)}"`;
  }
  if (method !== undefined && !(PAYOUT_METHODS as readonly string[]).includes(method)) {
    problems.method = `must be one of ${PAYOUT_METHODS.join(', ')}, not "${method.slice(0, 100)}"`;
  }
  if (cursor === null) {
    problems.cursor = 'must be the next_cursor of the previous page: a payment id';
  }
  if (Object.keys(problems).length > 0) {
    return badRequest('a filter of GET /__sandbox/payouts cannot be used; see problems', problems);
  }
  const limit = listLimit(queryValue(query.limit));
  // A payment id is matched as written: "007" names no payout, as before the store filtered.
  if (paymentId !== undefined && !CANONICAL_PAYMENT_ID.test(paymentId)) {
    return { ok: true, page: { payouts: [], total: 0, limit, next_cursor: null } };
  }
  // Newest first, and at most `limit`: a store of 100,000 payouts is no answer to send whole.
  const found = await store.payoutPage(
    {
      ...(merchantId !== undefined ? { merchantId } : {}),
      ...(orderId !== undefined ? { orderId } : {}),
      ...(paymentId !== undefined ? { paymentId: Number(paymentId) } : {}),
      ...(status !== undefined ? { statuses: [status as PayoutStatus] } : {}),
      ...(method !== undefined ? { method: method as Payout['method'] } : {}),
      ...(card !== undefined ? { card } : {}),
    },
    { limit, ...(cursor !== undefined ? { after: Number(cursor) } : {}) },
  );
  const last = found.items.at(-1);
  return {
    ok: true,
    page: {
      payouts: found.items,
      total: found.total,
      limit,
      next_cursor: last !== undefined && found.more ? String(last.paymentId) : null,
    },
  };
}

/** The journal entries that match `query`, newest first: at most `limit`, older than `cursor`. */
export async function listRequests(
  journal: RequestJournal,
  filter: RequestFilter | Readonly<Record<string, unknown>>,
): Promise<Result<{ page: RequestPage }>> {
  const query = filter as Readonly<Record<string, unknown>>;
  const cursor = listCursor(queryValue(query.cursor), /^\d{1,15}$/);
  if (cursor === null) {
    return badRequest('the cursor of GET /__sandbox/requests cannot be used; see problems', {
      cursor: 'must be the next_cursor of the previous page: an entry id',
    });
  }
  const limit = listLimit(queryValue(query.limit), JOURNAL_LIMITS.entries);
  const path = filterText(query.path);
  const merchantId = filterText(query.merchant_id);
  const orderId = filterText(query.order_id);
  const outcome = filterText(query.outcome);
  const found = await journal.page({
    ...(path !== undefined ? { path } : {}),
    ...(merchantId !== undefined ? { merchantId } : {}),
    ...(orderId !== undefined ? { orderId } : {}),
    ...(outcome !== undefined ? { outcome } : {}),
    ...(cursor !== undefined ? { before: Number(cursor) } : {}),
    limit,
  });
  return {
    ok: true,
    page: {
      requests: found.entries,
      total: found.total,
      limit,
      next_cursor: found.nextBefore === undefined ? null : String(found.nextBefore),
    },
  };
}

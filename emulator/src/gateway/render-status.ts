import { GatewayErrors } from '../errors.js';
import { formatAmount, type Payout } from '../payouts/payout.js';
import { isoSeconds } from '../clock.js';
import { BALANCE_CURRENCY, cardHashOf, legacyDate } from './render.js';

/**
 * The status answers' `pg_*` fields (payment_status2, get_status2.php, the legacy payment_status),
 * from the same payout the payout answer and postback render in render.ts.
 */

/**
 * Why a failed payout failed, in a status answer. The status methods' docs name no field for
 * it; `pg_error_code` would read as a failed request (and the PHP SDK throws on it), so these
 * are the sandbox's names.
 */
function failureFields(payout: Payout): Record<string, string> {
  return payout.status === 'error' && payout.error
    ? {
        pg_failure_code: String(payout.error.code),
        pg_failure_description: payout.error.description,
      }
    : {};
}

/**
 * `/api/payment_status2` and `/g2g/payout_status2`: `pg_payment_status` is `success`, `error`
 * or `process`.
 */
export function paymentStatus2Fields(payout: Payout): Record<string, string> {
  return {
    pg_status: 'ok',
    pg_payment_id: String(payout.paymentId),
    pg_order_id: payout.orderId,
    // The payout page before the recipient typed a number is still being processed.
    pg_payment_status: { waiting: 'process', process: 'process', ok: 'success', error: 'error' }[
      payout.status
    ],
    pg_amount: formatAmount(payout.amountMinor),
    pg_net_amount: formatAmount(payout.amountMinor),
    pg_currency: BALANCE_CURRENCY,
    ...cardHashOf(payout.destination),
    // When the payout became what it is: the date its postback reports too.
    pg_payment_date: isoSeconds(payout.updatedAt),
    ...failureFields(payout),
  };
}

/**
 * `/get_status2.php`, the deprecated status by order id: `pg_transaction_status` is `pending`
 * while in process, then `ok` or `failed`.
 */
export function statusByOrderFields(payout: Payout): Record<string, string> {
  return {
    pg_status: 'ok',
    pg_payment_id: String(payout.paymentId),
    pg_order_id: payout.orderId,
    // "Partial — payment created" while the payout page waits (docs/gateway/payouts.md §2).
    pg_transaction_status: { waiting: 'partial', process: 'pending', ok: 'ok', error: 'failed' }[
      payout.status
    ],
    pg_amount: formatAmount(payout.amountMinor),
    pg_currency: BALANCE_CURRENCY,
    pg_can_reject: '0',
    pg_testing_mode: '1',
    pg_create_date: legacyDate(payout.createdAt),
    ...failureFields(payout),
  };
}

/**
 * `/api/payment_status`, the legacy status the official PHP SDK asks (`Facade::getStatus`). The
 * SDK returns `pg_status` as the status itself, so that is where it goes. No `pg_error_code` on
 * success: the SDK fails any answer that has one.
 */
export function legacyStatusFields(
  payout: Payout,
  by: 'payment' | 'order',
): Record<string, string> {
  return {
    pg_status: legacyStatus(payout, by),
    pg_payment_id: String(payout.paymentId),
    pg_order_id: payout.orderId,
    pg_amount: formatAmount(payout.amountMinor),
    pg_currency: BALANCE_CURRENCY,
    pg_payment_date: legacyDate(payout.updatedAt),
    ...failureFields(payout),
  };
}

/**
 * The legacy SDK's statuses (docs/gateway/status-and-postbacks.md §1, §2). A payout has no partial or revoked state
 * in the sandbox: it is never refunded, and it exists from its first answer.
 */
export function legacyStatus(payout: Payout, by: 'payment' | 'order'): string {
  if (payout.status === 'waiting') return by === 'payment' ? 'new' : 'partial';
  if (payout.status === 'process') return by === 'payment' ? 'new' : 'pending';
  if (payout.status === 'ok') return 'ok';
  return payout.error?.code === GatewayErrors.orderExpired.code ? 'incomplete' : 'failed';
}

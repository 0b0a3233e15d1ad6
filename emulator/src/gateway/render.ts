import { isoSeconds } from '../clock.js';
import { formatAmount, type Payout, type PayoutDestination } from '../payouts/payout.js';

/**
 * The one place a payout becomes `pg_*` fields: the payout answer, the postback, and each status
 * answer take their fields from here (the status answers through render-status.ts), so they never
 * disagree (issue 11). Field order is the
 * documents' order; signing happens in the envelope.
 */

/** The only currency the sandbox keeps a payout balance in. */
export const BALANCE_CURRENCY = 'KZT';

/** How each kind of destination shows in answers and postbacks. */
export function destinationFields(destination: PayoutDestination): Record<string, string> {
  const fields: Record<string, string> = {};
  addDestination(fields, destination);
  return fields;
}

/**
 * Adds the destination's fields to an answer being built, in their order: the answer and the
 * postback of every payout are built field by field, without a map per part to spread.
 */
function addDestination(fields: Record<string, string>, destination: PayoutDestination): void {
  switch (destination.kind) {
    case 'saved-card':
      fields.pg_card_hash = destination.hash;
      fields.pg_card_id = String(destination.cardId);
      fields.pg_card_token = destination.token;
      return;
    case 'card-number':
      fields.pg_card_hash = destination.hash;
      return;
    case 'payout-page':
      if (destination.hash !== undefined) fields.pg_card_hash = destination.hash;
      return;
    case 'iban':
      return;
  }
}

/** The masked card a status answer shows, when the payout went to a card. */
export function cardHashOf(destination: PayoutDestination): Record<string, string> {
  const { pg_card_hash } = destinationFields(destination);
  return pg_card_hash !== undefined ? { pg_card_hash } : {};
}

function errorFields(payout: Payout): Record<string, string> {
  const fields: Record<string, string> = {};
  addError(fields, payout);
  return fields;
}

function addError(fields: Record<string, string>, payout: Payout): void {
  if (payout.error) {
    fields.pg_error_code = String(payout.error.code);
    fields.pg_error_description = payout.error.description;
  }
}

/**
 * The payout answer, in the seed page's order. `pg_error_code` appears only on a declined
 * payout: the legacy PHP SDK fails any answer that carries it, even as 0 (docs/gateway/php-sdk.md §4).
 */
export function payoutAnswerFields(
  payout: Payout,
  place: AnswerPlace = {},
): Record<string, string> {
  const origin = place.origin ?? payout.answerSeal.origin;
  switch (payout.method) {
    case 'reg2nonreg':
      if (payout.destination.kind === 'payout-page') {
        return payoutPageAnswerFields(
          payout,
          `${origin ?? ''}${payoutPagePath(payout.destination.viewId)}`,
        );
      }
      break;
    case 'p2p2nonreg':
      return cardNumberAnswerFields(payout);
    case 'to_iban':
      return ibanAnswerFields(payout);
    case 'iban_payout':
      return legacyIbanAnswerFields(payout, origin !== undefined ? { origin } : {});
    default:
      break;
  }
  const fields: Record<string, string> = {
    pg_payment_id: String(payout.paymentId),
    pg_merchant_id: payout.merchantId,
    pg_status: answerStatus(payout),
    pg_order_id: payout.orderId,
    pg_balance: formatAmount(payout.balanceAfterMinor),
  };
  addDestination(fields, payout.destination);
  fields.pg_payment_amount = formatAmount(payout.amountMinor);
  fields.pg_payment_date = isoSeconds(payout.createdAt);
  addError(fields, payout);
  return fields;
}

/** Where a request came in: the origin a link in its answer is built on. */
export interface AnswerPlace {
  /** `http://host:port`, as the client reached the sandbox; without it a link is a bare path. */
  readonly origin?: string;
}

/** A payout answer's `pg_status`: the request's result, `process` while the payout is open. */
function answerStatus(payout: Payout): string {
  return payout.status === 'error' ? 'error' : payout.status === 'ok' ? 'ok' : 'process';
}

/**
 * Fields an answer shows after `pg_salt` and `pg_sig`, where the method's example puts them; they
 * are signed like the rest (docs/gateway/payouts.md §3: p2p2nonreg's example ends with `pg_datetime`).
 */
export const FIELDS_AFTER_SIGNATURE: Partial<Record<Payout['method'], readonly string[]>> = {
  p2p2nonreg: ['pg_datetime'],
};

/**
 * `/g2g/p2p2nonreg` (docs/gateway/payouts.md §3), in its example's order: reg2reg's answer with the
 * masked card, plus `pg_reference` and `pg_datetime`. A declined payout adds its error, as
 * reg2reg's does. Dates are ISO 8601 in UTC, as every other Gateway answer here.
 */
export function cardNumberAnswerFields(payout: Payout): Record<string, string> {
  return {
    pg_payment_id: String(payout.paymentId),
    pg_merchant_id: payout.merchantId,
    pg_order_id: payout.orderId,
    pg_status: answerStatus(payout),
    pg_balance: formatAmount(payout.balanceAfterMinor),
    ...cardHashOf(payout.destination),
    pg_payment_amount: formatAmount(payout.amountMinor),
    pg_payment_date: isoSeconds(payout.createdAt),
    pg_reference: retrievalReference(payout),
    ...errorFields(payout),
    pg_datetime: isoSeconds(payout.createdAt),
  };
}

/**
 * A 12-digit bank reference (RRN, ISO 8583 field 37) for `pg_reference`, in the common
 * `YDDDHH` + sequence form: the last digit of the year, the day of the year and the hour (UTC)
 * the payout was made, then the payment id's last six digits. It comes from the payout alone, so
 * the same seed and requests give the same reference, and a re-rendered answer agrees.
 */
export function retrievalReference(payout: Payout): string {
  const at = new Date(payout.createdAt);
  const year = at.getUTCFullYear();
  const day = Math.floor((at.getTime() - Date.UTC(year, 0, 1)) / 86_400_000) + 1;
  return [
    String(year % 10),
    String(day).padStart(3, '0'),
    String(at.getUTCHours()).padStart(2, '0'),
    String(payout.paymentId % 1_000_000).padStart(6, '0'),
  ].join('');
}

/**
 * `/g2g/to_iban` and `/api/to_iban` (docs/gateway/payouts.md §4), in the documented order; a declined
 * payout adds its error before `pg_datetime`, as the Gateway's error answers have it.
 */
export function ibanAnswerFields(payout: Payout): Record<string, string> {
  return {
    pg_payment_id: String(payout.paymentId),
    pg_merchant_id: payout.merchantId,
    pg_status: answerStatus(payout),
    pg_order_id: payout.orderId,
    pg_payment_amount: formatAmount(payout.amountMinor),
    pg_payment_date: isoSeconds(payout.createdAt),
    ...errorFields(payout),
    pg_datetime: isoSeconds(payout.createdAt),
  };
}

/**
 * The legacy SDK's `/api/iban_payout`. `toIban()` returns true for any answer without
 * `pg_error_code` and keeps `pg_redirect_url` (docs/gateway/php-sdk.md §2), which its example follows with
 * a `Location` header: an IBAN payout has no page, so it is the sandbox's record of the payout.
 * The rest is to_iban's answer, with the legacy date format (`2018-12-31 15:00:00`).
 */
export function legacyIbanAnswerFields(payout: Payout, place: AnswerPlace): Record<string, string> {
  return {
    pg_payment_id: String(payout.paymentId),
    pg_merchant_id: payout.merchantId,
    pg_status: answerStatus(payout),
    pg_order_id: payout.orderId,
    pg_payment_amount: formatAmount(payout.amountMinor),
    pg_payment_date: legacyDate(payout.createdAt),
    pg_redirect_url: `${place.origin ?? ''}${payoutRecordPath(payout.paymentId)}`,
    ...errorFields(payout),
  };
}

/** The admin API's record of a payout (GET /__sandbox/payouts/:paymentId). */
export function payoutRecordPath(paymentId: number): string {
  return `/__sandbox/payouts/${paymentId}`;
}

/**
 * The payout notify of §4, in the docs' order. `pg_to_pay` is the amount plus the commission,
 * which the sandbox does not charge. An error adds its code and description, which §4 does not
 * list but a merchant needs to tell a decline from a failure.
 */
export function payoutNotifyFields(payout: Payout, balanceMinor: number): Record<string, string> {
  const fields: Record<string, string> = {
    pg_payment_id: String(payout.paymentId),
    pg_order_id: payout.orderId,
  };
  addDestination(fields, payout.destination);
  const amount = formatAmount(payout.amountMinor);
  fields.pg_status = payout.status === 'ok' ? 'ok' : 'error';
  fields.pg_balance = formatAmount(balanceMinor);
  fields.pg_payment_amount = amount;
  fields.pg_to_pay = amount;
  fields.pg_merchant_id = payout.merchantId;
  fields.pg_payment_date = isoSeconds(payout.updatedAt);
  addError(fields, payout);
  return fields;
}

/** `2018-12-31 15:00:00`, the legacy methods' date format. */
export function legacyDate(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d{3}Z$/, '');
}

/** Where a payout page is served, under the origin the merchant reached the sandbox at. */
export function payoutPagePath(viewId: string): string {
  return `/payout/${encodeURIComponent(viewId)}`;
}

/**
 * The reg2nonreg answer: `pg_status` `ok` and `pg_redirect_url` are documented
 * (docs/gateway/payouts.md §2); the rest mirrors the card storage `add` answer, in its order,
 * without its `pg_type`.
 */
export function payoutPageAnswerFields(
  payout: Payout,
  redirectUrl: string,
): Record<string, string> {
  return {
    pg_payment_id: String(payout.paymentId),
    pg_merchant_id: payout.merchantId,
    pg_order_id: payout.orderId,
    pg_redirect_url: redirectUrl,
    pg_status: 'ok',
  };
}

import type { Fields } from '../signature/signature.js';
import { parseAmount } from './payout.js';
import { timeLimitToEpoch } from './time-limit.js';

/**
 * The reg2reg request in domain terms. Wire names (`pg_amount`) are mapped once, here; the rest
 * of the domain never sees them. Rules come from the Token payout page (shared/seed) and
 * freedompay-api.md §3.1.
 */
export interface PayoutRequest {
  readonly merchantId: string;
  readonly orderId: string;
  readonly userId: string;
  readonly amountMinor: number;
  readonly amountText: string;
  readonly cardToken?: string;
  readonly cardId?: string;
  readonly description: string;
  readonly postLink: string;
  readonly orderTimeLimit: string;
  readonly salt: string;
  /** Every field as received, for matching rules and for the record. */
  readonly fields: Fields;
}

export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

export type ParsedPayoutRequest =
  | { readonly ok: true; readonly request: PayoutRequest }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

export const MAX_AMOUNT_MINOR = 99_999_999_00;
const MAX_POST_LINK_LENGTH = 255;
export const USER_ID = /^[A-Za-z0-9_-]{1,50}$/;
/** Ids the gateway keeps as integers: digits only, at most 18 of them. */
export const GATEWAY_INTEGER = /^[0-9]{1,18}$/;

export function parsePayoutRequest(fields: Fields): ParsedPayoutRequest {
  const problems: FieldProblem[] = [];
  const text = (name: string): string | undefined => {
    const value = fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      problems.push({ field: name, problem: 'must be a single value, not a list or a map' });
      return undefined;
    }
    return value;
  };
  const required = (name: string): string => {
    const value = text(name);
    if (value === undefined || value.trim() === '') {
      if (value !== undefined || !problems.some((p) => p.field === name)) {
        problems.push({ field: name, problem: 'is required' });
      }
      return '';
    }
    return value;
  };

  const merchantId = required('pg_merchant_id');
  if (merchantId && !GATEWAY_INTEGER.test(merchantId)) {
    problems.push({ field: 'pg_merchant_id', problem: 'must be an integer' });
  }

  const orderId = required('pg_order_id');

  const userId = required('pg_user_id');
  if (userId && !USER_ID.test(userId)) {
    problems.push({
      field: 'pg_user_id',
      problem: 'must be 1-50 characters of Latin letters, digits, "_" or "-"',
    });
  }

  const amountText = required('pg_amount');
  const amountMinor = amountText ? parseAmount(amountText) : undefined;
  if (
    amountText &&
    (amountMinor === undefined || amountMinor < 1 || amountMinor > MAX_AMOUNT_MINOR)
  ) {
    problems.push({
      field: 'pg_amount',
      problem:
        'must be a number from 0.01 to 99999999 with "." as the decimal separator and at most 2 decimals',
    });
  }

  const cardToken = text('pg_card_token_to') || undefined;
  const cardId = text('pg_card_id_to') || undefined;
  if (cardToken === undefined && cardId === undefined) {
    problems.push({ field: 'pg_card_token_to', problem: 'or pg_card_id_to is required' });
  }
  if (cardId !== undefined && !GATEWAY_INTEGER.test(cardId)) {
    problems.push({ field: 'pg_card_id_to', problem: 'must be an integer' });
  }

  const description = required('pg_description');

  const postLink = required('pg_post_link');
  if (postLink) {
    if (postLink.length > MAX_POST_LINK_LENGTH) {
      problems.push({ field: 'pg_post_link', problem: 'must be at most 255 characters' });
    } else if (!isHttpUrl(postLink)) {
      problems.push({ field: 'pg_post_link', problem: 'must be an http:// or https:// URL' });
    }
  }

  const orderTimeLimit = required('pg_order_time_limit');
  if (orderTimeLimit && !isValidTimeLimit(orderTimeLimit)) {
    problems.push({
      field: 'pg_order_time_limit',
      problem: 'must be a date and time as YYYY-MM-DD HH:mm:ss',
    });
  }

  const salt = required('pg_salt');

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    request: {
      merchantId,
      orderId,
      userId,
      amountMinor: amountMinor ?? 0,
      amountText,
      ...(cardToken !== undefined ? { cardToken } : {}),
      ...(cardId !== undefined ? { cardId } : {}),
      description,
      postLink,
      orderTimeLimit,
      salt,
      fields,
    },
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Only the shape and the date matter here; the zone is applied when the limit is enforced. */
function isValidTimeLimit(text: string): boolean {
  return timeLimitToEpoch(text, 0) !== undefined;
}

export function describeProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.field} ${p.problem}`).join('; ');
}

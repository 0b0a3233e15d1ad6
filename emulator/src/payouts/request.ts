import type { Fields } from '../signature/signature.js';
import { parseAmount, type PayoutMethod } from './payout.js';
import { timeLimitToEpoch } from './time-limit.js';

/**
 * A payout request in domain terms, whatever the method. Wire names (`pg_amount`) are mapped
 * once, in the method's parser; the rest of the domain never sees them. The rules the methods
 * share come from the Token payout page (docs/gateway/payouts.md §1).
 */
export interface PayoutRequest {
  readonly method: PayoutMethod;
  readonly merchantId: string;
  readonly orderId: string;
  /** `''` when the method does not require it and it was not sent. */
  readonly userId: string;
  readonly amountMinor: number;
  readonly amountText: string;
  readonly target: PayoutTarget;
  readonly description: string;
  /** `''` when the method does not require it and it was not sent. */
  readonly postLink: string;
  /** `''` when the method does not require it and it was not sent. */
  readonly orderTimeLimit: string;
  readonly salt: string;
  /** Every field as received, for matching rules and for the record. */
  readonly fields: Fields;
  /** `http://host:port` as the client reached the sandbox, when the transport knows it. */
  readonly origin?: string;
}

/** Where the request asks the money to go, before the service resolves it. */
export type PayoutTarget =
  | { readonly kind: 'saved-card'; readonly token?: string; readonly id?: string }
  | { readonly kind: 'card-number'; readonly pan: string; readonly holder?: string }
  | { readonly kind: 'payout-page'; readonly backLink: string }
  | {
      readonly kind: 'iban';
      readonly iban: string;
      readonly iin: string;
      readonly name: string;
      readonly bik: string;
      readonly kbe?: string;
      readonly knp?: string;
    };

export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

export type ParsedPayoutRequest =
  | { readonly ok: true; readonly request: PayoutRequest }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

export const MAX_AMOUNT_MINOR = 99_999_999_00;
export const MAX_POST_LINK_LENGTH = 255;
export const USER_ID = /^[A-Za-z0-9_-]{1,50}$/;
/** Ids the gateway keeps as integers: digits only, at most 18 of them. */
export const GATEWAY_INTEGER = /^[0-9]{1,18}$/;

/**
 * Reads a request's fields, collecting every problem rather than stopping at the first, so one
 * answer names them all. Each method's parser is built on it.
 */
export class FieldReader {
  readonly problems: FieldProblem[] = [];

  constructor(readonly fields: Fields) {}

  /** A single value, or undefined when absent; a list or map is a problem. */
  text(name: string): string | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problem(name, 'must be a single value, not a list or a map');
      return undefined;
    }
    return value;
  }

  /** A value that must be there and not blank; `''` (and a problem) otherwise. */
  required(name: string): string {
    const value = this.text(name);
    if (value === undefined || value.trim() === '') {
      if (value !== undefined || !this.problems.some((p) => p.field === name)) {
        this.problem(name, 'is required');
      }
      return '';
    }
    return value;
  }

  /** A value that may be left out or blank: `''` then. */
  optional(name: string): string {
    return this.text(name) ?? '';
  }

  problem(field: string, problem: string): void {
    this.problems.push({ field, problem });
  }

  /** An http(s) URL of at most 255 characters (the gateway's limit for its links). */
  link(name: string, required: boolean): string {
    const value = required ? this.required(name) : this.optional(name);
    if (value === '') return value;
    if (value.length > MAX_POST_LINK_LENGTH) {
      this.problem(name, 'must be at most 255 characters');
    } else if (!isHttpUrl(value)) {
      this.problem(name, 'must be an http:// or https:// URL');
    }
    return value;
  }

  /** The fields every payout method shares. */
  common(
    method: PayoutMethod,
    rules: {
      userId: 'required' | 'optional';
      timeLimit: 'required' | 'optional';
      postLink: 'required' | 'optional';
    },
  ): Omit<PayoutRequest, 'target'> {
    const merchantId = this.required('pg_merchant_id');
    if (merchantId && !GATEWAY_INTEGER.test(merchantId)) {
      this.problem('pg_merchant_id', 'must be an integer');
    }
    const orderId = this.required('pg_order_id');
    const userId =
      rules.userId === 'required' ? this.required('pg_user_id') : this.optional('pg_user_id');
    if (userId && !USER_ID.test(userId)) {
      this.problem('pg_user_id', 'must be 1-50 characters of Latin letters, digits, "_" or "-"');
    }
    const amountText = this.required('pg_amount');
    const amountMinor = amountText ? parseAmount(amountText) : undefined;
    if (
      amountText &&
      (amountMinor === undefined || amountMinor < 1 || amountMinor > MAX_AMOUNT_MINOR)
    ) {
      this.problem(
        'pg_amount',
        'must be a number from 0.01 to 99999999 with "." as the decimal separator and at most 2 decimals',
      );
    }
    const description = this.required('pg_description');
    const postLink = this.link('pg_post_link', rules.postLink === 'required');
    const orderTimeLimit =
      rules.timeLimit === 'required'
        ? this.required('pg_order_time_limit')
        : this.optional('pg_order_time_limit');
    if (orderTimeLimit && timeLimitToEpoch(orderTimeLimit, 0) === undefined) {
      this.problem('pg_order_time_limit', 'must be a date and time as YYYY-MM-DD HH:mm:ss');
    }
    const salt = this.required('pg_salt');
    return {
      method,
      merchantId,
      orderId,
      userId,
      amountMinor: amountMinor ?? 0,
      amountText,
      description,
      postLink,
      orderTimeLimit,
      salt,
      fields: this.fields,
    };
  }

  /** The request, or every problem found. */
  result(common: Omit<PayoutRequest, 'target'>, target: PayoutTarget): ParsedPayoutRequest {
    if (this.problems.length > 0) return { ok: false, problems: this.problems };
    return { ok: true, request: { ...common, target } };
  }
}

/** reg2reg: a payout to a saved card, by `pg_card_token_to` or `pg_card_id_to`. */
export function parsePayoutRequest(fields: Fields): ParsedPayoutRequest {
  const reader = new FieldReader(fields);
  const common = reader.common('reg2reg', {
    userId: 'required',
    timeLimit: 'required',
    postLink: 'required',
  });
  const token = reader.text('pg_card_token_to') || undefined;
  const id = reader.text('pg_card_id_to') || undefined;
  if (token === undefined && id === undefined) {
    reader.problem('pg_card_token_to', 'or pg_card_id_to is required');
  }
  if (id !== undefined && !GATEWAY_INTEGER.test(id)) {
    reader.problem('pg_card_id_to', 'must be an integer');
  }
  return reader.result(common, {
    kind: 'saved-card',
    ...(token !== undefined ? { token } : {}),
    ...(id !== undefined ? { id } : {}),
  });
}

function isHttpUrl(text: string): boolean {
  // A merchant sends the same post link with every payout: the last answer is kept.
  if (text === lastLink.text) return lastLink.http;
  let http: boolean;
  try {
    const url = new URL(text);
    http = (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    http = false;
  }
  lastLink = { text, http };
  return http;
}

let lastLink = { text: '', http: false };

export function describeProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.field} ${p.problem}`).join('; ');
}

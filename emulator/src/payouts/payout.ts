import type { PostbackPlan } from '../postbacks/postback.js';
import type { Fields } from '../signature/signature.js';

/**
 * A payout's life is a small state table (docs/style.md principle 3): `waiting` (a payout page
 * nobody has finished yet) may go on to `process`, `ok` or `error`; `process` may end in `ok` or
 * `error`; `ok` and `error` are final. Anything else is a bug, so it throws.
 */
export type PayoutStatus = 'waiting' | 'process' | 'ok' | 'error';

const TRANSITIONS: Record<PayoutStatus, readonly PayoutStatus[]> = {
  waiting: ['process', 'ok', 'error'],
  process: ['ok', 'error'],
  ok: [],
  error: [],
};

export function isFinal(status: PayoutStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

export class InvalidTransitionError extends Error {
  constructor(paymentId: number, from: PayoutStatus, to: PayoutStatus) {
    super(`payout ${paymentId} cannot go from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

export interface PayoutError {
  readonly code: number;
  readonly description: string;
}

export interface StatusChange {
  readonly status: PayoutStatus;
  /** ISO 8601, from the sandbox clock. */
  readonly at: string;
  readonly reason: string;
  readonly error?: PayoutError;
}

/** Where a `process` payout is heading, and when it gets there (on the sandbox clock). */
export interface PendingFinal {
  readonly status: 'ok' | 'error';
  readonly error?: PayoutError;
  readonly dueAt: string;
  /** Why it ends so: the scenario's final outcome, or the order's time limit passing. */
  readonly reason: string;
  /** How its postback is to be delivered, kept so that a restart does not forget it. */
  readonly postback?: PostbackPlan;
}

/** The gateway methods that make payouts; card storage methods make none. */
export const PAYOUT_METHODS = [
  'reg2reg',
  'reg2nonreg',
  'p2p2nonreg',
  'to_iban',
  'iban_payout',
] as const;
export type PayoutMethod = (typeof PAYOUT_METHODS)[number];

/** Where the money goes. */
export type PayoutDestination =
  /** A card the user saved (reg2reg). */
  | {
      readonly kind: 'saved-card';
      readonly token: string;
      readonly cardId: number;
      /** The masked number, as the gateway shows it. */
      readonly hash: string;
    }
  /** A card number sent in the request (p2p2nonreg). Test numbers only: the sandbox is offline. */
  | {
      readonly kind: 'card-number';
      readonly pan: string;
      readonly hash: string;
      readonly holder?: string;
    }
  /** The payout page (reg2nonreg): the number is typed by the recipient, once they do. */
  | {
      readonly kind: 'payout-page';
      /** The id in the page's URL. */
      readonly viewId: string;
      readonly backLink: string;
      readonly pan?: string;
      readonly hash?: string;
    }
  /** A bank account (to_iban, iban_payout). */
  | {
      readonly kind: 'iban';
      readonly iban: string;
      readonly name: string;
      /** IIN or BIN, 12 digits. */
      readonly iin: string;
      readonly bik: string;
      readonly kbe?: string;
      readonly knp?: string;
    };

/**
 * How the answer the client got can be shown again exactly as sent: it is rendered from the
 * payout (gateway/render.ts) with this salt, and with the scenario's wrong signature if it had
 * one.
 */
export interface AnswerSeal {
  readonly salt: string;
  readonly badSignature?: boolean;
  /** Where the request came in, for the links an answer holds (the payout page's URL). */
  readonly origin?: string;
}

export interface Payout {
  readonly paymentId: number;
  readonly merchantId: string;
  readonly orderId: string;
  readonly userId: string;
  readonly amountMinor: number;
  readonly method: PayoutMethod;
  readonly destination: PayoutDestination;
  readonly postLink: string;
  readonly orderTimeLimit: string;
  readonly status: PayoutStatus;
  readonly error?: PayoutError;
  readonly pendingFinal?: PendingFinal;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly history: readonly StatusChange[];
  /** The merchant's payout balance right after the payout was made (its answer reports it). */
  readonly balanceAfterMinor: number;
  /** Every field as received, `pg_sig` included, for the record. */
  readonly request: Fields;
  readonly answerSeal: AnswerSeal;
}

export function transition(
  payout: Payout,
  to: PayoutStatus,
  at: string,
  reason: string,
  error?: PayoutError,
): Payout {
  if (!TRANSITIONS[payout.status].includes(to)) {
    throw new InvalidTransitionError(payout.paymentId, payout.status, to);
  }
  const change: StatusChange = error
    ? { status: to, at, reason, error }
    : { status: to, at, reason };
  const { pendingFinal: _done, error: _previous, ...rest } = payout;
  return {
    ...rest,
    status: to,
    ...(error ? { error } : {}),
    updatedAt: at,
    history: [...payout.history, change],
  };
}

/** Money is kept in minor units (tiyn) so the balance never drifts through floating point. */
export function formatAmount(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** How an amount is written: digits, then `.` and one or two decimals (the OpenAPI document shows it too). */
export const AMOUNT_PATTERN = /^(\d{1,9})(?:\.(\d{1,2}))?$/;

/** Parses `10`, `10.5`, `10.50`; undefined for anything else (docs/gateway/wire.md §5: `.` separator, ≤ 2 decimals). */
export function parseAmount(text: string): number | undefined {
  const match = AMOUNT_PATTERN.exec(text);
  if (!match) return undefined;
  const [, whole = '0', fraction = ''] = match;
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

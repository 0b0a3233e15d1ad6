import type { PostbackPlan } from '../postbacks/postback.js';
import type { Fields } from '../signature/signature.js';

/**
 * A payout's life is a small state table (docs/style.md principle 3): `process` may end in `ok`
 * or `error`; `ok` and `error` are final. Anything else is a bug, so it throws.
 */
export type PayoutStatus = 'process' | 'ok' | 'error';

const TRANSITIONS: Record<PayoutStatus, readonly PayoutStatus[]> = {
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

export interface Payout {
  readonly paymentId: number;
  readonly merchantId: string;
  readonly orderId: string;
  readonly userId: string;
  readonly amountMinor: number;
  readonly cardToken: string;
  readonly cardId: number;
  readonly cardHash: string;
  readonly postLink: string;
  readonly orderTimeLimit: string;
  readonly status: PayoutStatus;
  readonly error?: PayoutError;
  readonly pendingFinal?: PendingFinal;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly history: readonly StatusChange[];
  /** Every field as received, `pg_sig` included, for the record. */
  readonly request: Fields;
  /** The answer's fields as sent, signature included. */
  readonly answer: Record<string, string>;
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

/** Parses `10`, `10.5`, `10.50`; undefined for anything else (§1: `.` separator, ≤ 2 decimals). */
export function parseAmount(text: string): number | undefined {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return undefined;
  const [, whole = '0', fraction = ''] = match;
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

import { isoTime } from '../clock.js';
import { GatewayErrors, gatewayErrorByCode } from '../errors.js';
import { DEFAULT_PROCESS_DELAY_MS, type Decision, type FinalOutcome } from './outcome.js';
import type { PayoutError, PendingFinal } from './payout.js';
import { timeLimitToEpoch } from './time-limit.js';

/** How a payout that is not final yet will end, and the error a final outcome carries. */

/**
 * Where a `process` payout is heading. If `pg_order_time_limit` passes first, the gateway gives
 * up on it: error 360, "Transaction expired" (docs/decisions/0007).
 */
export function pendingFinalOf(
  outcome: Extract<Decision['outcome'], { status: 'process' }>,
  now: number,
  orderTimeLimit: string,
  decision: Decision,
  offsetMinutes: number,
): PendingFinal {
  const finalAt = now + (outcome.afterMs ?? DEFAULT_PROCESS_DELAY_MS);
  const limit = timeLimitToEpoch(orderTimeLimit, offsetMinutes);
  const plan = decision.postback ? { postback: decision.postback } : {};
  if (limit !== undefined && limit < finalAt) {
    return {
      status: 'error',
      error: payoutError({ status: 'error', code: GatewayErrors.orderExpired.code }),
      dueAt: isoTime(Math.max(now, limit)),
      reason: `pg_order_time_limit ${orderTimeLimit} passed while in process`,
      ...plan,
    };
  }
  return {
    status: outcome.then.status,
    ...(outcome.then.status === 'error' ? { error: payoutError(outcome.then) } : {}),
    dueAt: isoTime(finalAt),
    reason: 'processing finished',
    ...plan,
  };
}

/**
 * A payout page nobody finished ends when `pg_order_time_limit` passes: error 360, "Transaction
 * expired", and the amount goes back (docs/decisions/0013). Without a limit it waits.
 */
export function pageExpiry(
  now: number,
  orderTimeLimit: string,
  offsetMinutes: number,
): PendingFinal | undefined {
  const limit = timeLimitToEpoch(orderTimeLimit, offsetMinutes);
  if (limit === undefined) return undefined;
  return {
    status: 'error',
    error: payoutError({ status: 'error', code: GatewayErrors.orderExpired.code }),
    dueAt: isoTime(Math.max(now, limit)),
    reason: `pg_order_time_limit ${orderTimeLimit} passed before the recipient typed a card number`,
  };
}

/** The error a final outcome carries: its own description, else the catalogue's. */
export function payoutError(outcome: Extract<FinalOutcome, { status: 'error' }>): PayoutError {
  return {
    code: outcome.code,
    description:
      outcome.description ??
      gatewayErrorByCode(outcome.code)?.description ??
      `Payment error ${outcome.code}`,
  };
}

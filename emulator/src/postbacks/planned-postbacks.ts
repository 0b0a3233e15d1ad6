import { isoTime } from '../clock.js';
import { newPostback, type OutboxMessage, type Postback, type PostbackPlan } from './postback.js';

/**
 * The postbacks the outbox makes (dispatcher.ts): those of a message, with a scenario's plan,
 * and a resend's copy. Pure: the dispatcher stores them and arms their timers.
 */

/** A duplicate arrives this long after the original. */
const DUPLICATE_GAP_MS = 1_000;
/** An out-of-order postback waits at most this long for the merchant's next one. */
const MAX_HOLD_MS = 60_000;

/**
 * The postbacks a message sends at `now`: due after the plan's delay (else `defaultDelayMs`),
 * doubled, or held for the merchant's next one. `already`: how many postbacks the payment has
 * (their ids are `<payment id>-1`, `-2`, …).
 */
export function plannedPostbacks(
  message: OutboxMessage,
  plan: PostbackPlan,
  now: number,
  defaultDelayMs: number,
  already: number,
): Postback[] {
  const dueAt = now + (plan.delayMs ?? defaultDelayMs);
  const createdAt = isoTime(now);
  const first = newPostback(message, plan, createdAt, {
    id: `${message.paymentId}-${already + 1}`,
    kind: message.kind,
    dueAt: isoTime(plan.outOfOrder ? dueAt + MAX_HOLD_MS : dueAt),
    holdForNext: plan.outOfOrder === true,
  });
  if (!plan.duplicate) return [first];
  return [
    first,
    newPostback(message, plan, createdAt, {
      id: `${message.paymentId}-${already + 2}`,
      kind: 'duplicate',
      dueAt: isoTime(dueAt + DUPLICATE_GAP_MS),
      holdForNext: false,
    }),
  ];
}

/**
 * A resend of `original`, due at once, as the payment's postback number `already + 1`: the same
 * message, in the same form (a card callback goes as `pg_xml` signed with the payment key, as
 * the original did).
 */
export function resendOf(original: Postback, already: number, now: number): Postback {
  return {
    id: `${original.paymentId}-${already + 1}`,
    paymentId: original.paymentId,
    merchantId: original.merchantId,
    orderId: original.orderId,
    url: original.url,
    fields: original.fields,
    kind: 'resend',
    state: 'pending',
    createdAt: isoTime(now),
    dueAt: isoTime(now),
    attempts: [],
    ...(original.format ? { format: original.format } : {}),
    ...(original.key ? { key: original.key } : {}),
  };
}

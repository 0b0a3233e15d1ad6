import { z } from 'zod';
import type { ClockState } from '../clock.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import type { FieldValue } from '../signature/signature.js';
import type { StoreChange, StoreData } from './store.js';

/**
 * One schema for everything the store reads back: the data file and every journal line. A file
 * edited by hand, cut short or written by another program is refused with where and what is
 * wrong, never half-used (issue 10). Records are loose objects: a field this version does not
 * know is kept, not dropped, so nothing is lost by reading a file and writing it again.
 */
const fieldValue: z.ZodType<FieldValue> = z.lazy(() =>
  z.union([z.string(), z.array(fieldValue), z.record(z.string(), fieldValue)]),
);

const count = z.number().int().nonnegative();
const money = z.number().int();

const payoutError = z.looseObject({ code: z.number().int(), description: z.string() });
const payoutStatus = z.enum(['process', 'ok', 'error']);

const postbackPlan = z.looseObject({
  delayMs: z.number().optional(),
  duplicate: z.boolean().optional(),
  outOfOrder: z.boolean().optional(),
});

const payout = z.looseObject({
  paymentId: z.number().int().positive(),
  merchantId: z.string(),
  orderId: z.string(),
  userId: z.string(),
  amountMinor: money,
  cardToken: z.string(),
  cardId: z.number().int(),
  cardHash: z.string(),
  postLink: z.string(),
  orderTimeLimit: z.string(),
  status: payoutStatus,
  error: payoutError.optional(),
  pendingFinal: z
    .looseObject({
      status: z.enum(['ok', 'error']),
      error: payoutError.optional(),
      dueAt: z.string(),
      reason: z.string(),
      postback: postbackPlan.optional(),
    })
    .optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  history: z.array(
    z.looseObject({
      status: payoutStatus,
      at: z.string(),
      reason: z.string(),
      error: payoutError.optional(),
    }),
  ),
  request: z.record(z.string(), fieldValue),
  answer: z.record(z.string(), z.string()),
}) satisfies z.ZodType<Payout>;

const postback = z.looseObject({
  id: z.string().min(1),
  paymentId: z.number().int().positive(),
  merchantId: z.string(),
  orderId: z.string(),
  url: z.string(),
  fields: z.record(z.string(), z.string()),
  kind: z.enum(['notify', 'duplicate', 'resend']),
  state: z.enum(['pending', 'delivered', 'failed']),
  createdAt: z.string(),
  dueAt: z.string().optional(),
  holdForNext: z.boolean().optional(),
  attempts: z.array(
    z.looseObject({
      at: z.string(),
      salt: z.string(),
      sig: z.string(),
      status: z.number().int().optional(),
      error: z.string().optional(),
      durationMs: z.number(),
      response: z.string().optional(),
      ack: z.looseObject({ status: z.string(), description: z.string().optional() }).optional(),
    }),
  ),
}) satisfies z.ZodType<Postback>;

const clockState = z.strictObject({
  nowMs: z.number().finite(),
  realMs: z.number().finite(),
  speed: z.number().finite().nonnegative(),
}) satisfies z.ZodType<ClockState>;

/** A journal line: whole records, as `Store.commit` was given them. */
export const storeChangeSchema = z.strictObject({
  payouts: z.array(payout).optional(),
  balances: z.record(z.string(), money).optional(),
  lastPaymentId: count.optional(),
  postbacks: z.array(postback).optional(),
  clock: clockState.optional(),
}) satisfies z.ZodType<StoreChange>;

/** The data file's head: everything but the record sections. */
export const storeHeadSchema = z.strictObject({
  // 1: written before the end marker and the clock existed; read, and rewritten as 2.
  version: z.union([z.literal(1), z.literal(2)]),
  lastPaymentId: count,
  balances: z.record(z.string(), money),
  clock: clockState.optional(),
});

/** The data file's last line: how many records it holds, so a file cut short is recognised. */
export const storeEndSchema = z.strictObject({ payouts: count, postbacks: count });

export const payoutSchema = payout;
export const postbackSchema = postback;

/** The whole data file, when it is read as one JSON document (written by hand, or version 1). */
export const storeDataSchema = storeHeadSchema.extend({
  payouts: z.record(z.string(), payout),
  // Version 1 files written before the outbox existed have no postbacks.
  postbacks: z.record(z.string(), postback).default({}),
  end: storeEndSchema.optional(),
});

/** `where: what is wrong` for the first few problems, in words an operator can act on. */
export function describeProblems(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
      return `${path || '(the whole value)'}: ${issue.message}`;
    })
    .join('; ');
}

/** The data as the store holds it; what `storeDataSchema` gives, with the version made current. */
export function toStoreData(parsed: z.output<typeof storeDataSchema>): StoreData {
  const { end: _end, version: _version, ...rest } = parsed;
  return { ...rest, version: 2 };
}

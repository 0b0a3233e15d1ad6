import { z } from 'zod';
import type { ClockState } from '../clock.js';
import type { SavedCard } from '../cards/card.js';
import type { CardSession } from '../cards/card-session.js';
import { PAYOUT_METHODS, type Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import type { FieldValue } from '../signature/signature.js';
import type { StoreData } from './store.js';

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
const payoutStatus = z.enum(['waiting', 'process', 'ok', 'error']);

const postbackPlan = z.looseObject({
  delayMs: z.number().optional(),
  duplicate: z.boolean().optional(),
  outOfOrder: z.boolean().optional(),
});

const payoutCommon = {
  paymentId: z.number().int().positive(),
  merchantId: z.string(),
  orderId: z.string(),
  userId: z.string(),
  amountMinor: money,
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
};

const currentPayout = z.looseObject({
  ...payoutCommon,
  method: z.enum(PAYOUT_METHODS),
  destination: z.discriminatedUnion('kind', [
    z.looseObject({
      kind: z.literal('saved-card'),
      token: z.string(),
      cardId: z.number().int(),
      hash: z.string(),
    }),
    z.looseObject({
      kind: z.literal('card-number'),
      pan: z.string(),
      hash: z.string(),
      holder: z.string().optional(),
    }),
    z.looseObject({
      kind: z.literal('payout-page'),
      viewId: z.string(),
      backLink: z.string(),
      pan: z.string().optional(),
      hash: z.string().optional(),
    }),
    z.looseObject({
      kind: z.literal('iban'),
      iban: z.string(),
      name: z.string(),
      iin: z.string(),
      bik: z.string(),
      kbe: z.string().optional(),
      knp: z.string().optional(),
    }),
  ]),
  balanceAfterMinor: money,
  answerSeal: z.looseObject({ salt: z.string(), badSignature: z.boolean().optional() }),
}) satisfies z.ZodType<Payout>;

const cardSession = z.looseObject({
  paymentId: z.number().int().positive(),
  merchantId: z.string(),
  userId: z.string(),
  orderId: z.string(),
  postLink: z.string(),
  backLink: z.string(),
  variant: z.enum(['add', 'add2', 'payout', 'gateway']),
  state: z.enum(['created', 'awaiting-3ds', 'approved', 'failed']),
  createdAt: z.string(),
  updatedAt: z.string(),
  cardToken: z.string().optional(),
  failure: payoutError.optional(),
  pendingCard: z
    .looseObject({ pan: z.string(), holder: z.string(), month: z.string(), year: z.string() })
    .optional(),
  issuer: z
    .looseObject({
      passed: z.boolean(),
      reason: z.string(),
      pares: z.string(),
      code: z.number().int().optional(),
      description: z.string().optional(),
    })
    .optional(),
  history: z.array(
    z.looseObject({
      state: z.enum(['created', 'awaiting-3ds', 'approved', 'failed']),
      at: z.string(),
      reason: z.string(),
    }),
  ),
  viewId: z.string(),
}) satisfies z.ZodType<CardSession>;

/** A payout as layouts 1 and 2 kept it: the card's fields flat, the answer as sent. */
const legacyPayout = z.looseObject({
  ...payoutCommon,
  cardToken: z.string(),
  cardId: z.number().int(),
  cardHash: z.string(),
  answer: z.record(z.string(), z.string()),
});

/** Either shape; `upgradePayout` turns a legacy one into the current one. */
const payout = z.union([currentPayout, legacyPayout]);

const savedCard = z.looseObject({
  token: z.string().min(1),
  id: z.number().int().positive(),
  merchantId: z.string(),
  userId: z.string(),
  pan: z.string().regex(/^[0-9]{12,19}$/),
  holder: z.string(),
  month: z.string(),
  year: z.string(),
  hash: z.string(),
  hhash: z.string(),
  bank: z.string(),
  country: z.string(),
  threeDs: z.boolean(),
  status: z.enum(['approved', 'deleted']),
  createdAt: z.string(),
  deletedAt: z.string().optional(),
  payoutOnly: z.boolean(),
  sessionId: z.number().int().optional(),
}) satisfies z.ZodType<SavedCard>;

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
  reset: z.literal(true).optional(),
  forget: z.strictObject({ payouts: z.array(z.number().int().positive()) }).optional(),
  payouts: z.array(payout).optional(),
  cards: z.array(savedCard).optional(),
  lastCardId: count.optional(),
  cardSessions: z.array(cardSession).optional(),
  balances: z.record(z.string(), money).optional(),
  lastPaymentId: count.optional(),
  postbacks: z.array(postback).optional(),
  clock: clockState.optional(),
});

/** The data file's head: everything but the record sections. */
export const storeHeadSchema = z.strictObject({
  // 1: before the end marker and the clock; 2: before saved cards and payout destinations;
  // 3: before the settled section and the checksum. All are read, and rewritten as 4.
  version: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  lastPaymentId: count,
  lastCardId: count.optional(),
  balances: z.record(z.string(), money),
  clock: clockState.optional(),
});

/** The data file's last line: how many records it holds, so a file cut short is recognised. */
export const storeEndSchema = z.strictObject({
  payouts: count,
  postbacks: count,
  cards: count.optional(),
  cardSessions: count.optional(),
  /** Where the settled section starts, in bytes (layout 4). */
  settledAt: count.optional(),
  /** CRC-32 of every byte before this line (layout 4): whether the file is as it was written. */
  crc32: count.optional(),
});

export const payoutSchema = payout;
export const postbackSchema = postback;
export const savedCardSchema = savedCard;
export const cardSessionSchema = cardSession;

/** The whole data file, when it is read as one JSON document (written by hand, or version 1). */
export const storeDataSchema = storeHeadSchema.extend({
  payouts: z.record(z.string(), payout),
  // Version 1 files written before the outbox existed have no postbacks.
  postbacks: z.record(z.string(), postback).default({}),
  cards: z.record(z.string(), savedCard).default({}),
  cardSessions: z.record(z.string(), cardSession).default({}),
  // Layout 4's summaries of the settled records: read as records are, from the records.
  settled: z.array(z.unknown()).optional(),
  end: storeEndSchema.optional(),
});

/** `where: what is wrong` for the first few problems, in words an operator can act on. */
export function describeProblems(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const { path, message } = closest(issue);
      const where = [prefix, ...path.map(String)].filter((p) => p !== '').join('.');
      return `${where || '(the whole value)'}: ${message}`;
    })
    .join('; ');
}

/**
 * A value that matches no shape of a union (a payout of either layout) is described by the
 * shape it came closest to: "Invalid input" alone says nothing to fix.
 */
function closest(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) {
    return { path: issue.path, message: issue.message };
  }
  const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
  const first = best[0];
  return first
    ? { path: [...issue.path, ...first.path], message: first.message }
    : { path: issue.path, message: issue.message };
}

/**
 * The data as the store holds it, from what `storeDataSchema` checked: legacy payouts upgraded,
 * the version made current. The objects are the ones JSON.parse made (see data-file.ts).
 */
export function toStoreData(checked: CheckedStoreData): StoreData {
  const upgraded: Record<string, Payout> = {};
  for (const [key, record] of Object.entries(checked.payouts)) {
    upgraded[key] = upgradePayout(record as z.output<typeof payout>);
  }
  return {
    version: 3,
    lastPaymentId: checked.lastPaymentId,
    lastCardId: checked.lastCardId ?? 0,
    balances: checked.balances,
    payouts: upgraded,
    postbacks: checked.postbacks as StoreData['postbacks'],
    cards: checked.cards as StoreData['cards'],
    cardSessions: checked.cardSessions as StoreData['cardSessions'],
    ...(checked.clock ? { clock: checked.clock } : {}),
  };
}

/** What the data file's reader has checked against the schemas, records as JSON.parse made them. */
export interface CheckedStoreData {
  readonly lastPaymentId: number;
  readonly lastCardId?: number | undefined;
  readonly balances: Record<string, number>;
  readonly clock?: z.output<typeof clockState> | undefined;
  readonly payouts: Record<string, unknown>;
  readonly postbacks: Record<string, unknown>;
  readonly cards: Record<string, unknown>;
  readonly cardSessions: Record<string, unknown>;
}

/**
 * A payout stored before destinations existed: the card's fields become the destination, and
 * the answer as sent keeps what is needed to render it again (its balance and salt).
 */
export function upgradePayout(record: z.output<typeof payout>): Payout {
  if (!('cardToken' in record) || 'destination' in record) return record as Payout;
  const { cardToken, cardId, cardHash, answer, ...rest } = record;
  const balance = /^(-?)(\d+)\.(\d{2})$/.exec(answer.pg_balance ?? '');
  const minor = balance ? Number(balance[2]) * 100 + Number(balance[3]) : 0;
  return {
    ...(rest as Omit<Payout, 'method' | 'destination' | 'balanceAfterMinor' | 'answerSeal'>),
    method: 'reg2reg',
    destination: { kind: 'saved-card', token: cardToken, cardId, hash: cardHash },
    balanceAfterMinor: balance?.[1] === '-' ? -minor : minor,
    answerSeal: { salt: answer.pg_salt ?? '' },
  };
}

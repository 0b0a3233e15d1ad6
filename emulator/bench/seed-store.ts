import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { cardHash, TEST_CARDS } from '../src/cards/test-cards.js';
import { payoutNotifyFields } from '../src/gateway/render.js';
import type { Postback } from '../src/postbacks/postback.js';
import type { Payout } from '../src/payouts/payout.js';
import { writeDataFile } from '../src/store/data-file.js';

/**
 * Data files as the sandbox would have them on disk after `count` payouts: each final, with its
 * request, its answer, its history and its delivered postback; optionally `pendingPostbacks`
 * more, due from `pendingFrom` spread over `pendingSpreadMs`. Written by the sandbox's own
 * writer (`writeDataFile`: its layout, settled section and checksum included) record by record,
 * so a start reads it as it reads its own file, and a million payouts never sit in the bench's
 * memory.
 */
export interface SeedOptions {
  readonly count: number;
  readonly merchantId?: string;
  readonly pendingPostbacks?: number;
  readonly pendingFrom?: number;
  readonly pendingSpreadMs?: number;
  readonly postLink?: string;
}

const FIRST_PAYMENT_ID = 1_200_000_000;
const START = Date.parse('2026-01-01T00:00:00Z');
export const BALANCE_MINOR = 100_000_000_000;

/** Writes the store; resolves with when each pending postback is due, by payment id. */
export async function seedStore(file: string, options: SeedOptions): Promise<Map<number, string>> {
  mkdirSync(dirname(file), { recursive: true });
  const due = new Map<number, string>();
  const n = total(options);
  await writeDataFile(
    file,
    {
      lastPaymentId: lastPaymentId(options),
      lastCardId: 0,
      balances: { [options.merchantId ?? '100001']: BALANCE_MINOR },
    },
    {
      payouts: (function* () {
        for (let i = 0; i < n; i++) {
          const payout = seedPayout(i, options);
          yield [String(payout.paymentId), payout] as const;
        }
      })(),
      postbacks: (function* () {
        for (let i = 0; i < n; i++) {
          const postback = seedPostback(i, seedPayout(i, options), options);
          if (postback.dueAt !== undefined) due.set(postback.paymentId, postback.dueAt);
          yield [postback.id, postback] as const;
        }
      })(),
    },
  );
  return due;
}

function total(options: SeedOptions): number {
  return options.count + (options.pendingPostbacks ?? 0);
}

function lastPaymentId(options: SeedOptions): number {
  return total(options) === 0 ? 0 : FIRST_PAYMENT_ID + total(options) - 1;
}

const card = TEST_CARDS[0] ?? { pan: '', token: '', id: 0 };
const hash = cardHash(card.pan);

export function seedPayout(i: number, options: SeedOptions): Payout {
  const merchantId = options.merchantId ?? '100001';
  const postLink = options.postLink ?? 'https://merchant.example/payout/notify';
  const at = new Date(START + i * 1000).toISOString();
  const request = {
    pg_merchant_id: merchantId,
    pg_amount: '10.00',
    pg_order_id: `seed-${i}`,
    pg_user_id: `user-${i % 1000}`,
    pg_card_token_to: card.token,
    pg_description: 'Seeded payout',
    pg_post_link: postLink,
    pg_order_time_limit: '2030-12-31 23:59:59',
    pg_salt: `salt${i}`,
    pg_sig: '0123456789abcdef0123456789abcdef',
  };
  return {
    paymentId: FIRST_PAYMENT_ID + i,
    merchantId,
    orderId: `seed-${i}`,
    userId: request.pg_user_id,
    amountMinor: 1000,
    method: 'reg2reg',
    destination: { kind: 'saved-card', token: card.token, cardId: card.id, hash },
    postLink,
    orderTimeLimit: request.pg_order_time_limit,
    status: 'ok',
    createdAt: at,
    updatedAt: at,
    history: [{ status: 'ok', at, reason: `test card ${card.pan}: success` }],
    balanceAfterMinor: 99_999_000,
    request,
    answerSeal: { salt: `answersalt${i}` },
  };
}

export function seedPostback(i: number, payout: Payout, options: SeedOptions): Postback {
  const pending = options.pendingPostbacks ?? 0;
  const isPending = i >= options.count;
  const at = payout.createdAt;
  const dueAt = new Date(
    (options.pendingFrom ?? START) +
      ((i - options.count) * (options.pendingSpreadMs ?? 0)) / Math.max(1, pending),
  ).toISOString();
  return {
    id: `${payout.paymentId}-1`,
    paymentId: payout.paymentId,
    merchantId: payout.merchantId,
    orderId: payout.orderId,
    url: payout.postLink,
    fields: payoutNotifyFields(payout, 99_999_000),
    kind: 'notify',
    state: isPending ? 'pending' : 'delivered',
    createdAt: at,
    ...(isPending ? { dueAt } : {}),
    attempts: isPending
      ? []
      : [
          {
            at,
            salt: `pbsalt${i}`,
            sig: '0123456789abcdef0123456789abcdef',
            status: 200,
            durationMs: 2,
            response: '<response><pg_status>ok</pg_status></response>',
            ack: { status: 'ok' },
          },
        ],
  };
}

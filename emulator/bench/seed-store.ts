import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cardHash, TEST_CARDS } from '../src/cards/test-cards.js';
import { payoutNotifyFields } from '../src/gateway/render.js';
import type { Postback } from '../src/postbacks/postback.js';
import type { Payout } from '../src/payouts/payout.js';
import type { StoreData } from '../src/store/store.js';

/**
 * Writes a data file as the sandbox would have it after `count` payouts: each final, with its
 * request, its answer, its history and its delivered postback. Optionally `pendingPostbacks`
 * more, due from `pendingFrom` spread over `pendingSpreadMs`.
 */
export function seedStore(
  file: string,
  options: {
    count: number;
    merchantId?: string;
    pendingPostbacks?: number;
    pendingFrom?: number;
    pendingSpreadMs?: number;
    postLink?: string;
  },
): StoreData {
  const merchantId = options.merchantId ?? '100001';
  const card = TEST_CARDS[0] ?? { pan: '', token: '', id: 0 };
  const postLink = options.postLink ?? 'https://merchant.example/payout/notify';
  const data: StoreData = {
    version: 3,
    lastCardId: 0,
    lastPaymentId: 0,
    balances: {},
    payouts: {},
    postbacks: {},
    cards: {},
    cardSessions: {},
  };
  const start = Date.parse('2026-01-01T00:00:00Z');
  const pending = options.pendingPostbacks ?? 0;
  for (let i = 0; i < options.count + pending; i++) {
    const paymentId = 1_200_000_000 + i;
    const at = new Date(start + i * 1000).toISOString();
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
    const payout: Payout = {
      paymentId,
      merchantId,
      orderId: `seed-${i}`,
      userId: request.pg_user_id,
      amountMinor: 1000,
      method: 'reg2reg',
      destination: {
        kind: 'saved-card',
        token: card.token,
        cardId: card.id,
        hash: cardHash(card.pan),
      },
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
    data.payouts[paymentId] = payout;
    const fields = payoutNotifyFields(payout, 99_999_000);
    const isPending = i >= options.count;
    const dueAt = new Date(
      (options.pendingFrom ?? start) +
        ((i - options.count) * (options.pendingSpreadMs ?? 0)) / Math.max(1, pending),
    ).toISOString();
    const postback: Postback = {
      id: `${paymentId}-1`,
      paymentId,
      merchantId,
      orderId: payout.orderId,
      url: postLink,
      fields,
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
    data.postbacks[postback.id] = postback;
    data.lastPaymentId = paymentId;
  }
  data.balances[merchantId] = 100_000_000_000;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(data));
  return data;
}

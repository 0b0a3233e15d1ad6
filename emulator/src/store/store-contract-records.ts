import type { SavedCard } from '../cards/card.js';
import type { CardSession } from '../cards/card-session.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';

/**
 * Records for the store contract (store-contract.ts): plain values, every field a store must
 * keep, with keys in an order no sorting would give, so a store that reorders them is caught.
 */

export const MERCHANT = 'm-1';

export function payout(paymentId: number, extra: Partial<Payout> = {}): Payout {
  const status = extra.status ?? 'ok';
  return {
    paymentId,
    merchantId: MERCHANT,
    orderId: `order-${paymentId}`,
    userId: 'user-1',
    amountMinor: 1000,
    method: 'reg2reg',
    destination: {
      kind: 'saved-card',
      token: `tok-${paymentId}`,
      cardId: paymentId,
      hash: '4400-43XX-XXXX-1358',
    },
    postLink: 'http://merchant.test/notify',
    orderTimeLimit: '2030-01-01 00:00:00',
    status,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:05.000Z',
    history: [{ status, at: '2026-01-01T00:00:00.000Z', reason: 'created' }],
    balanceAfterMinor: 0,
    // Received order, not alphabetical: kept as it came.
    request: {
      pg_order_id: `order-${paymentId}`,
      pg_amount: '10',
      pg_merchant_id: MERCHANT,
      pg_sig: 'x',
    },
    answerSeal: { salt: 'salt' },
    ...extra,
  };
}

/** An open payout whose final is due at `dueAt` (ISO 8601). */
export function openPayout(paymentId: number, dueAt: string, extra: Partial<Payout> = {}): Payout {
  return payout(paymentId, {
    status: 'process',
    pendingFinal: { status: 'ok', dueAt, reason: 'scenario' },
    history: [{ status: 'process', at: '2026-01-01T00:00:00.000Z', reason: 'created' }],
    ...extra,
  });
}

export function postback(
  paymentId: number,
  n: number,
  state: Postback['state'] = 'delivered',
  extra: Partial<Postback> = {},
): Postback {
  return {
    id: `${paymentId}-${n}`,
    paymentId,
    merchantId: MERCHANT,
    orderId: `order-${paymentId}`,
    url: 'http://merchant.test/notify',
    // The order the body sends them in.
    fields: {
      pg_status: 'ok',
      pg_payment_id: String(paymentId),
      pg_order_id: `order-${paymentId}`,
    },
    kind: n === 1 ? 'notify' : 'resend',
    state,
    createdAt: '2026-01-01T00:00:05.000Z',
    ...(state === 'pending' ? { dueAt: '2026-01-01T00:00:10.000Z' } : {}),
    attempts:
      state === 'pending'
        ? []
        : [{ at: '2026-01-01T00:00:06.000Z', salt: 's', sig: 'x', status: 200, durationMs: 3 }],
    ...extra,
  };
}

export function card(id: number, extra: Partial<SavedCard> = {}): SavedCard {
  return {
    token: `card-token-${id}`,
    id,
    merchantId: MERCHANT,
    userId: 'user-1',
    pan: '4400430000001358',
    holder: 'TEST HOLDER',
    month: '12',
    year: '30',
    hash: '4400-43XX-XXXX-1358',
    hhash: 'abc',
    bank: 'Банк «Тест»',
    country: 'KZ',
    threeDs: false,
    status: 'approved',
    createdAt: '2026-01-01T00:00:00.000Z',
    payoutOnly: false,
    ...extra,
  };
}

export function cardSession(paymentId: number, extra: Partial<CardSession> = {}): CardSession {
  return {
    paymentId,
    merchantId: MERCHANT,
    userId: 'user-1',
    orderId: '',
    postLink: 'http://merchant.test/cards',
    backLink: 'http://merchant.test/back',
    variant: 'add',
    state: 'created',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    history: [],
    viewId: `view-${paymentId.toString(16)}`,
    ...extra,
  };
}

/** Epoch ms of an ISO 8601 time. */
export function ms(iso: string): number {
  return Date.parse(iso);
}

import type { Payout } from '../src/payouts/payout.js';

/** A stored payout with plain values, for tests of the model and the store. */
export function samplePayout(overrides: Partial<Payout> = {}): Payout {
  const status = overrides.status ?? 'ok';
  return {
    paymentId: 1,
    merchantId: '1',
    orderId: 'o',
    userId: 'u',
    amountMinor: 100,
    method: 'reg2reg',
    destination: { kind: 'saved-card', token: 't', cardId: 1, hash: 'h' },
    postLink: 'http://x/',
    orderTimeLimit: '2030-01-01 00:00:00',
    status,
    createdAt: 'a',
    updatedAt: 'a',
    history: [{ status, at: 'a', reason: 'created' }],
    balanceAfterMinor: 0,
    request: {},
    answerSeal: { salt: 's' },
    ...overrides,
  };
}

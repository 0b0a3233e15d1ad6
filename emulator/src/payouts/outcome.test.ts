import { describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../cards/test-cards.js';
import { chooseOutcome, DEFAULT_PROCESS_DELAY_MS, type Outcome } from './outcome.js';
import type { PayoutRequest } from './request.js';

const request: PayoutRequest = {
  merchantId: '1',
  orderId: 'o',
  userId: 'u',
  amountMinor: 100,
  amountText: '1',
  description: 'd',
  postLink: 'http://x/',
  orderTimeLimit: '2030-01-01 00:00:00',
  salt: 's',
  fields: {},
};

const expected: Record<string, Outcome> = {
  '4671593866478252': { kind: 'ok' },
  '5325349472901311': { kind: 'error', code: 10000 },
  '4556046085041740': { kind: 'error', code: 10001 },
  '5543974702876045': { kind: 'error', code: 8888 },
  '5507841999732294': { kind: 'process', then: { kind: 'ok' }, afterMs: DEFAULT_PROCESS_DELAY_MS },
  '4532676596620704': {
    kind: 'process',
    then: { kind: 'error', code: 10001 },
    afterMs: DEFAULT_PROCESS_DELAY_MS,
  },
  '6204500338419360939': { kind: 'ok' },
  '629656013969216940': { kind: 'ok' },
  '62861819783765929': { kind: 'ok' },
};

describe('choosing the outcome from the test card (freedompay-api.md §7)', () => {
  it.each(TEST_CARDS.map((card) => [card.pan, card] as const))('card %s', (pan, card) => {
    const decision = chooseOutcome(request, { card });
    expect(decision.outcome).toEqual(expected[pan]);
    expect(decision.reason).toContain(pan);
  });

  it('covers every documented payout test card', () => {
    expect(TEST_CARDS.map((card) => card.pan).sort()).toEqual(Object.keys(expected).sort());
  });
});

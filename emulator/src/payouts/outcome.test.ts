import { describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../cards/test-cards.js';
import { payoutOutcomeForPan } from '../cards/card-catalog.js';
import { cardDecision, type Outcome } from './outcome.js';

const expected: Record<string, Outcome> = {
  '4671593866478252': { status: 'ok' },
  '5325349472901311': { status: 'error', code: 10000 },
  '4556046085041740': { status: 'error', code: 10001 },
  '5543974702876045': { status: 'error', code: 8888 },
  '5507841999732294': { status: 'process', then: { status: 'ok' } },
  '4532676596620704': { status: 'process', then: { status: 'error', code: 10001 } },
  '6204500338419360939': { status: 'ok' },
  '629656013969216940': { status: 'ok' },
  '62861819783765929': { status: 'ok' },
};

describe('the default outcome: the card number (docs/gateway/payouts.md §5)', () => {
  it.each(TEST_CARDS.map((card) => [card.pan] as const))('card %s', (pan) => {
    const decision = cardDecision(payoutOutcomeForPan(pan), `card ${pan}`);
    expect(decision.outcome).toEqual(expected[pan]);
    expect(decision.reason).toContain(pan);
  });

  it('pays out to any other number', () => {
    expect(cardDecision(payoutOutcomeForPan('4716047261941981'), 'x').outcome).toEqual({
      status: 'ok',
    });
  });

  it('covers every documented payout test card', () => {
    expect(TEST_CARDS.map((card) => card.pan).sort()).toEqual(Object.keys(expected).sort());
  });
});

import { describe, expect, it } from 'vitest';
import { cardHhash } from './card.js';
import {
  CARD_STORAGE_TEST_CARDS,
  SANDBOX_BANKS,
  THREE_DS_PASSWORD,
  cardProfile,
  payoutOutcomeForPan,
  testCardAsSaved,
  threeDsPasswordAccepted,
} from './card-catalog.js';
import { TEST_CARDS } from './test-cards.js';

const never = (): number => {
  throw new Error('a card profile must not draw from the randomness');
};

describe('saving the documented card-storage test cards (docs/gateway/card-storage.md §11)', () => {
  it.each([
    ['4716047261941981', { threeDs: false, declinedAtSaving: false }],
    ['4939770956154989', { threeDs: false, declinedAtSaving: false }],
    ['4916307416334310', { threeDs: true, declinedAtSaving: false }],
    ['5367654276102126', { threeDs: true, declinedAtSaving: false }],
    ['6224466455690681278', { threeDs: false, declinedAtSaving: false }],
    ['623275279933273424', { threeDs: false, declinedAtSaving: false }],
    ['62528733472390953', { threeDs: false, declinedAtSaving: false }],
    ['5335215945367703', { threeDs: false, declinedAtSaving: true }],
    ['4916109830832246', { threeDs: false, declinedAtSaving: true }],
    ['5548398681700148', { threeDs: false, declinedAtSaving: true }],
    ['5475102935853613', { threeDs: false, declinedAtSaving: true }],
  ])('%s: %o', (pan, expected) => {
    expect(cardProfile(pan, never)).toMatchObject({ ...expected, country: 'KZ' });
  });

  it('lists exactly those eleven cards', () => {
    expect(CARD_STORAGE_TEST_CARDS).toHaveLength(11);
  });

  it.each(TEST_CARDS.map((card) => card.pan))(
    'saves the payout test card %s without 3DS',
    (pan) => {
      expect(cardProfile(pan, never)).toMatchObject({ threeDs: false, declinedAtSaving: false });
    },
  );

  it('saves any other number without 3DS', () => {
    expect(cardProfile('4111111111111111', never)).toMatchObject({
      threeDs: false,
      declinedAtSaving: false,
      country: 'KZ',
    });
  });
});

describe('the issuing bank', () => {
  const pans = [...CARD_STORAGE_TEST_CARDS, ...TEST_CARDS].map((card) => card.pan);

  it('is the same for the same number every time', () => {
    for (const pan of pans) expect(cardProfile(pan).bank).toBe(cardProfile(pan).bank);
  });

  it('is one of the sandbox banks, and the documented cards do not all share one', () => {
    const banks = new Set(pans.map((pan) => cardProfile(pan).bank));
    for (const bank of banks) expect(SANDBOX_BANKS).toContain(bank);
    expect(banks.size).toBeGreaterThan(1);
  });

  it('follows the BIN (first six digits), as a real issuer does', () => {
    expect(cardProfile('4716047261941981').bank).toBe(cardProfile('4716040000000000').bank);
  });

  it('has UTF-8 names in both quote styles, as the captured callbacks do', () => {
    expect(SANDBOX_BANKS.some((bank) => bank.includes('"'))).toBe(true);
    expect(SANDBOX_BANKS.some((bank) => /«.*[А-Яа-я].*»/.test(bank))).toBe(true);
  });
});

describe('the payout outcome of a saved card (docs/gateway/payouts.md §5)', () => {
  it.each(TEST_CARDS.map((card) => [card.pan, card.outcome] as const))(
    'keeps the documented outcome of payout test card %s',
    (pan, outcome) => expect(payoutOutcomeForPan(pan)).toEqual(outcome),
  );

  it.each(['4716047261941981', '4916307416334310', '4111111111111111'])(
    'is ok for %s, which is no payout test card',
    (pan) => expect(payoutOutcomeForPan(pan)).toEqual({ kind: 'ok' }),
  );
});

describe('the 3DS password', () => {
  it('is the documented sandbox choice', () => expect(THREE_DS_PASSWORD).toBe('3ds-pass'));

  it.each([
    ['3ds-pass', true],
    [' 3ds-pass\n', true],
    ['3DS-PASS', false],
    ['', false],
    ['3ds-pas', false],
  ])('%j is accepted: %s', (typed, accepted) => {
    expect(threeDsPasswordAccepted(typed)).toBe(accepted);
  });
});

describe('a payout test card as a saved card', () => {
  it('keeps its fixed token and id, and belongs to the merchant and user asked for', () => {
    const [first] = TEST_CARDS;
    if (!first) throw new Error('no test cards');
    const card = testCardAsSaved(first, '550001', 'user-7', '2026-01-01T00:00:00.000Z');
    expect(card).toMatchObject({
      token: first.token,
      id: first.id,
      merchantId: '550001',
      userId: 'user-7',
      pan: first.pan,
      hash: '4671-59XX-XXXX-8252',
      hhash: cardHhash(first.pan),
      status: 'approved',
      threeDs: false,
      payoutOnly: false,
      country: 'KZ',
    });
    expect(card.sessionId).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { samplePayout } from '../../test/fixtures.js';
import {
  panProblem,
  parseCardNumberPayout,
  parseLegacyIbanPayout,
  parseToIban,
} from './payouts.js';
import { retrievalReference } from './render.js';

describe('the card number of p2p2nonreg', () => {
  it.each([
    ['4671593866478252', undefined],
    ['4000123456788', undefined],
    ['40001234567890123454', undefined],
    ['400012345678', 'must be 13 to 20 digits (it has 12)'],
    ['400012345678901234560', 'must be 13 to 20 digits (it has 21)'],
    ['4671593866478253', 'fails the Luhn check'],
    ['4671-5938-6647-8252', 'must be the card number, digits only'],
  ])('%s: %s', (pan, problem) => {
    const found = panProblem(pan);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe('the pg_reference of p2p2nonreg', () => {
  it.each([
    ['2026-01-15T10:00:00.000Z', 1_234_567_890, '601510567890'],
    ['2028-12-31T23:59:59.000Z', 42, '836623000042'],
    ['2030-02-01T00:00:00.000Z', 1_000_000, '003200000000'],
  ])('made at %s as payment %d: %s', (createdAt, paymentId, reference) => {
    expect(retrievalReference(samplePayout({ createdAt, paymentId }))).toBe(reference);
  });
});

describe('the fields each method maps', () => {
  const common = {
    pg_merchant_id: '1',
    pg_order_id: 'o',
    pg_amount: '10',
    pg_description: 'd',
    pg_post_link: 'https://m.example/n',
    pg_salt: 's',
  };

  it('p2p2nonreg: the number and the holder name', () => {
    const parsed = parseCardNumberPayout({
      ...common,
      pg_payment_to: '4671593866478252',
      pg_card_name: 'Ivan Ivanov',
    });
    expect(parsed.ok && parsed.request.target).toEqual({
      kind: 'card-number',
      pan: '4671593866478252',
      holder: 'Ivan Ivanov',
    });
  });

  it('to_iban: every recipient field', () => {
    const parsed = parseToIban({
      ...common,
      pg_recipient_iban: 'KZ85125KZT0000000001',
      pg_recipient_iin: '761223455678',
      pg_recipient_name: 'IVANOV IVAN',
      pg_recipient_kbe: '19',
      pg_knp: '119',
      pg_bank_bik: 'KZZSAE',
    });
    expect(parsed.ok && parsed.request).toMatchObject({
      method: 'to_iban',
      target: {
        kind: 'iban',
        iban: 'KZ85125KZT0000000001',
        iin: '761223455678',
        name: 'IVANOV IVAN',
        bik: 'KZZSAE',
        kbe: '19',
        knp: '119',
      },
    });
  });

  it('iban_payout: the legacy names, and no post link needed', () => {
    const { pg_post_link: _none, ...fields } = common;
    const parsed = parseLegacyIbanPayout({
      ...fields,
      pg_recipient_bank_bic: 'KCJBKZKX',
      pg_recipient_iban: 'KZ85125KZT0000000001',
      pg_recipient_iin_bin: '123456789101',
      pg_recipient_name: 'IVANOV IVAN',
    });
    expect(parsed.ok && parsed.request).toMatchObject({
      method: 'iban_payout',
      postLink: '',
      target: { kind: 'iban', iin: '123456789101', bik: 'KCJBKZKX' },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { parsePayoutPageRequest, readTypedPan } from './payout-page.js';

describe('readTypedPan', () => {
  it.each([
    ['4671 5938 6647 8252', '4671593866478252'],
    ['4671-5938-6647-8252', '4671593866478252'],
    ['6204500338419360939', '6204500338419360939'],
  ])('takes %s as %s', (typed, pan) => {
    expect(readTypedPan(typed)).toEqual({ ok: true, pan });
  });

  it.each([
    ['', 'is empty'],
    ['4671 5938 6647 825x', 'only digits, spaces and dashes'],
    ['467159386647', 'has 12 digits'],
    ['46715938664782524671', 'has 20 digits'],
    ['4671593866478253', 'fails the Luhn check'],
  ])('refuses %j: the message says it %s and what to type', (typed, problem) => {
    const read = readTypedPan(typed);
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.error).toContain(problem);
      expect(read.error).toContain('4671593866478252');
    }
  });
});

describe('parsePayoutPageRequest', () => {
  const fields = {
    pg_merchant_id: '100001',
    pg_amount: '10.00',
    pg_order_id: 'o-1',
    pg_description: 'payout',
    pg_post_link: 'https://merchant.test/notify',
    pg_back_link: 'https://merchant.test/back',
    pg_order_time_limit: '2030-01-01 00:00:00',
    pg_salt: 'salt',
  };

  it('reads a payout to the page, pg_user_id optional', () => {
    const parsed = parsePayoutPageRequest(fields);
    expect(parsed).toMatchObject({
      ok: true,
      request: {
        method: 'reg2nonreg',
        userId: '',
        amountMinor: 1000,
        target: { kind: 'payout-page', backLink: 'https://merchant.test/back' },
      },
    });
  });

  it('needs an http(s) back link', () => {
    const parsed = parsePayoutPageRequest({ ...fields, pg_back_link: 'merchant.test/back' });
    expect(parsed).toEqual({
      ok: false,
      problems: [{ field: 'pg_back_link', problem: 'must be an http:// or https:// URL' }],
    });
  });
});

import { describe, expect, it } from 'vitest';
import { ibanOutcome, ibanProblem, TEST_IBANS } from './iban.js';

describe('IBAN checks', () => {
  it.each(TEST_IBANS.map((t) => [t.iban]))('takes the test IBAN %s', (iban) => {
    expect(ibanProblem(iban)).toBeUndefined();
  });

  it('takes an IBAN of another country and spaces between groups', () => {
    expect(ibanProblem('GB82 WEST 1234 5698 7654 32')).toBeUndefined();
    expect(ibanProblem('kz85 125k zt00 0000 0001')).toBeUndefined();
  });

  it.each([
    ['KZ86125KZT0000000001', /check digits/],
    ['KZ85125KZT00000000011', /20 characters for KZ \(it has 21\)/],
    ['KZ123412341234123412', /check digits/],
    ['12KZ', /must be an IBAN/],
    ['', /must be an IBAN/],
  ])('refuses %j, saying what is wrong', (iban, message) => {
    expect(ibanProblem(iban)).toMatch(message);
  });

  it('gives the test IBANs their outcome and any other one ok', () => {
    expect(ibanOutcome('KZ58125KZT0000000002').outcome).toEqual({ kind: 'error', code: 10000 });
    expect(ibanOutcome('GB82WEST12345698765432').outcome).toEqual({ kind: 'ok' });
  });
});

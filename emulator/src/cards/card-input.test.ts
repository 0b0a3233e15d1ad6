import { describe, expect, it } from 'vitest';
import { CARD_STORAGE_TEST_CARDS } from './card-catalog.js';
import { luhnValid, validateCardInput, type CardInput } from './card-input.js';
import { TEST_CARDS } from './test-cards.js';

const NOW = new Date('2026-05-15T12:00:00Z');
const good: CardInput = {
  pan: '4716047261941981',
  holder: 'IVAN PETROV',
  month: '05',
  year: '26',
  cvc: '123',
};

function errorsFor(input: CardInput, now = NOW): Record<string, string> {
  const result = validateCardInput(input, now);
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(input)}`);
  return result.errors;
}

describe('the Luhn check', () => {
  it.each([...CARD_STORAGE_TEST_CARDS, ...TEST_CARDS].map((card) => card.pan))(
    'passes the documented test card %s',
    (pan) => expect(luhnValid(pan)).toBe(true),
  );

  it.each(['4716047261941982', '4716047261941918', '1', ''])('fails %j', (pan) =>
    expect(luhnValid(pan)).toBe(false),
  );

  it('fails anything that is not digits only', () => {
    expect(luhnValid('4716 0472 6194 1981')).toBe(false);
    expect(luhnValid('００')).toBe(false);
  });
});

describe('card input', () => {
  it('accepts a good card and gives it back normalised', () => {
    expect(validateCardInput(good, NOW)).toEqual({ ok: true, card: good });
  });

  it('ignores spaces and dashes in the card number', () => {
    const result = validateCardInput({ ...good, pan: ' 4716 0472-6194 1981 ' }, NOW);
    expect(result).toMatchObject({ ok: true, card: { pan: '4716047261941981' } });
  });

  it('accepts a 19-digit UnionPay number', () => {
    const result = validateCardInput({ ...good, pan: '6224466455690681278' }, NOW);
    expect(result).toMatchObject({ ok: true, card: { pan: '6224466455690681278' } });
  });

  it('pads a one-digit month and shortens a four-digit year', () => {
    const result = validateCardInput({ ...good, month: '7', year: '2031' }, NOW);
    expect(result).toMatchObject({ ok: true, card: { month: '07', year: '31' } });
  });

  it('trims the holder and collapses its inner spaces', () => {
    const result = validateCardInput({ ...good, holder: "  Mary-Jane  O'Neil Jr. " }, NOW);
    expect(result).toMatchObject({ ok: true, card: { holder: "Mary-Jane O'Neil Jr." } });
  });

  it('reports every bad field at once, each message saying what to type', () => {
    const errors = errorsFor({});
    expect(Object.keys(errors).sort()).toEqual(['cvc', 'holder', 'month', 'pan', 'year']);
    expect(errors.pan).toContain('type the 13 to 19 digits');
    expect(errors.holder).toContain('type the name as printed on the card');
    expect(errors.month).toContain('01 to 12');
    expect(errors.year).toContain('two digits');
    expect(errors.cvc).toContain('3 digits');
  });

  it.each([
    ['pan', '4716047261941982', 'fails the Luhn check'],
    ['pan', '471604726194', 'has 12 digits'],
    ['pan', '47160472619419810000', 'has 20 digits'],
    ['pan', '4716O47261941981', 'only digits'],
    ['holder', 'ИВАН ПЕТРОВ', 'Latin letters'],
    ['holder', '--', 'no letters'],
    ['holder', 'A'.repeat(65), 'has 65 characters, more than 64'],
    ['month', '13', 'is not a month'],
    ['month', '00', 'is not a month'],
    ['month', '123', 'is not a month'],
    ['year', '202', 'is not an expiry year'],
    ['year', '1999', 'is not an expiry year'],
    ['cvc', '12', '3 or 4 digits'],
    ['cvc', '12345', '3 or 4 digits'],
    ['cvc', '12a', '3 or 4 digits'],
  ] as const)('refuses %s %j: "%s"', (field, value, message) => {
    const errors = errorsFor({ ...good, [field]: value });
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field]).toContain(message);
  });

  it('accepts holder names of 1 and of 64 letters', () => {
    expect(validateCardInput({ ...good, holder: 'A' }, NOW).ok).toBe(true);
    expect(validateCardInput({ ...good, holder: 'A'.repeat(64) }, NOW).ok).toBe(true);
  });

  it('accepts 4-digit CVCs', () => {
    expect(validateCardInput({ ...good, cvc: '1234' }, NOW).ok).toBe(true);
  });
});

describe('expiry', () => {
  it.each([
    ['this month', '05', '26'],
    ['this month, on its last second', '05', '26', '2026-05-31T23:59:59Z'],
    ['next month', '06', '26'],
    ['a month of a later year', '01', '27'],
    ['a four-digit year', '12', '2040'],
  ])('is valid for a card expiring %s', (_what, month, year, now = NOW.toISOString()) => {
    expect(validateCardInput({ ...good, month, year }, new Date(now)).ok).toBe(true);
  });

  it('is invalid for a card that expired last month, and the month says so', () => {
    const errors = errorsFor({ ...good, month: '04', year: '26' });
    expect(Object.keys(errors)).toEqual(['month']);
    expect(errors.month).toBe(
      'The card expired at the end of 04/26: type the expiry of a card valid now, 05/26 or later.',
    );
  });

  it('is invalid for a card that expired last year, and the year says so', () => {
    const errors = errorsFor({ ...good, month: '12', year: '2025' });
    expect(Object.keys(errors)).toEqual(['year']);
    expect(errors.year).toContain('expired in 2025');
  });

  it('turns to invalid when the sandbox clock enters the next month', () => {
    const card = { ...good, month: '05', year: '26' };
    expect(validateCardInput(card, new Date('2026-06-01T00:00:00Z')).ok).toBe(false);
  });

  it('still reports a past year when the month is bad too', () => {
    const errors = errorsFor({ ...good, month: '13', year: '24' });
    expect(Object.keys(errors).sort()).toEqual(['month', 'year']);
  });
});

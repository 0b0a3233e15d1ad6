/**
 * What a user types on the hosted card page (docs/gateway/card-storage.md §4) or a PCI merchant sends to
 * `/g2g/cardstorage/add` (docs/gateway/card-storage.md §10), checked the way a payment form checks it. Bad input is an expected
 * outcome, so it comes back as a value: one message per field, each saying what to type.
 */

export type CardField = 'pan' | 'holder' | 'month' | 'year' | 'cvc';

export interface CardInput {
  readonly pan?: string;
  readonly holder?: string;
  readonly month?: string;
  readonly year?: string;
  readonly cvc?: string;
}

/** Normalised: digits only, holder trimmed with single spaces, month and year two digits each. */
export interface ValidCardInput {
  readonly pan: string;
  readonly holder: string;
  readonly month: string;
  readonly year: string;
  readonly cvc: string;
}

export type CardInputErrors = Partial<Record<CardField, string>>;

export type CardInputResult =
  | { readonly ok: true; readonly card: ValidCardInput }
  | { readonly ok: false; readonly errors: CardInputErrors };

/** A documented card-storage test card (docs/gateway/card-storage.md §11), named in messages so a tester can copy it. */
const EXAMPLE_PAN = '4716047261941981';

const PAN_LENGTH = { min: 13, max: 19 } as const;
const HOLDER_MAX = 64;

/** The Luhn (mod 10) check digit rule; false for anything that is not digits only. */
export function luhnValid(pan: string): boolean {
  if (!/^\d+$/.test(pan)) return false;
  let sum = 0;
  for (let i = 0; i < pan.length; i++) {
    let digit = Number(pan[pan.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function checkPan(raw: string | undefined): { pan: string } | { error: string } {
  const pan = (raw ?? '').replace(/[\s-]/g, '');
  const type = `type the ${PAN_LENGTH.min} to ${PAN_LENGTH.max} digits of the card number, e.g. ${EXAMPLE_PAN}`;
  if (pan === '') return { error: `The card number is empty: ${type}.` };
  if (!/^\d+$/.test(pan)) {
    return { error: `The card number may hold only digits, spaces and dashes: ${type}.` };
  }
  if (pan.length < PAN_LENGTH.min || pan.length > PAN_LENGTH.max) {
    return { error: `The card number has ${pan.length} digits: ${type}.` };
  }
  if (!luhnValid(pan)) {
    return {
      error: `The card number fails the Luhn check, so a digit is mistyped: check it against the card, or use a test card such as ${EXAMPLE_PAN}.`,
    };
  }
  return { pan };
}

function checkHolder(raw: string | undefined): { holder: string } | { error: string } {
  const holder = (raw ?? '').trim().replace(/\s+/g, ' ');
  const type = 'type the name as printed on the card, in Latin letters, e.g. IVAN PETROV';
  if (holder === '') return { error: `The cardholder name is empty: ${type}.` };
  if (!/^[A-Za-z .'-]+$/.test(holder)) {
    return {
      error: `The cardholder name may hold only Latin letters, spaces, dashes, dots and apostrophes: ${type}.`,
    };
  }
  if (!/[A-Za-z]/.test(holder)) return { error: `The cardholder name has no letters: ${type}.` };
  if (holder.length > HOLDER_MAX) {
    return {
      error: `The cardholder name has ${holder.length} characters, more than ${HOLDER_MAX}: ${type}, shortened.`,
    };
  }
  return { holder };
}

function checkMonth(raw: string | undefined): { month: number } | { error: string } {
  const text = (raw ?? '').trim();
  const type = 'type the expiry month as printed on the card, 01 to 12';
  if (text === '') return { error: `The expiry month is empty: ${type}.` };
  const month = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
  if (!(month >= 1 && month <= 12)) return { error: `"${text}" is not a month: ${type}.` };
  return { month };
}

/** A two-digit year is 20YY: cards issued in the 1900s have all expired. */
function checkYear(raw: string | undefined): { year: number } | { error: string } {
  const text = (raw ?? '').trim();
  const type = 'type the expiry year as printed on the card, two digits (e.g. 29) or four (2029)';
  if (text === '') return { error: `The expiry year is empty: ${type}.` };
  if (/^\d{2}$/.test(text)) return { year: 2000 + Number(text) };
  if (/^20\d{2}$/.test(text)) return { year: Number(text) };
  return { error: `"${text}" is not an expiry year: ${type}.` };
}

function checkCvc(raw: string | undefined): { cvc: string } | { error: string } {
  const cvc = (raw ?? '').trim();
  const type = 'type the 3 digits printed on the back of the card (4 on some cards)';
  if (cvc === '') return { error: `The CVC is empty: ${type}.` };
  if (!/^\d{3,4}$/.test(cvc)) return { error: `The CVC must be 3 or 4 digits: ${type}.` };
  return { cvc };
}

const twoDigits = (n: number): string => String(n % 100).padStart(2, '0');

/**
 * Checks every field and reports every bad one at once. A card is valid to the end of its expiry
 * month, which is compared in UTC with `now` (the sandbox clock): one expiring this month is still
 * accepted, one that expired last month is not.
 */
export function validateCardInput(input: CardInput, now: Date): CardInputResult {
  const errors: CardInputErrors = {};
  const pan = checkPan(input.pan);
  const holder = checkHolder(input.holder);
  const month = checkMonth(input.month);
  const year = checkYear(input.year);
  const cvc = checkCvc(input.cvc);
  if ('error' in pan) errors.pan = pan.error;
  if ('error' in holder) errors.holder = holder.error;
  if ('error' in month) errors.month = month.error;
  if ('error' in year) errors.year = year.error;
  if ('error' in cvc) errors.cvc = cvc.error;

  const thisYear = now.getUTCFullYear();
  const thisMonth = now.getUTCMonth() + 1;
  const earliest = `${twoDigits(thisMonth)}/${twoDigits(thisYear)}`;
  if ('year' in year && year.year < thisYear) {
    errors.year = `The card expired in ${year.year}: type the expiry of a card valid now, ${earliest} or later.`;
  } else if (
    'year' in year &&
    'month' in month &&
    year.year === thisYear &&
    month.month < thisMonth
  ) {
    errors.month = `The card expired at the end of ${twoDigits(month.month)}/${twoDigits(year.year)}: type the expiry of a card valid now, ${earliest} or later.`;
  }

  if (
    'pan' in pan &&
    'holder' in holder &&
    'month' in month &&
    'year' in year &&
    'cvc' in cvc &&
    Object.keys(errors).length === 0
  ) {
    return {
      ok: true,
      card: {
        pan: pan.pan,
        holder: holder.holder,
        month: twoDigits(month.month),
        year: twoDigits(year.year),
        cvc: cvc.cvc,
      },
    };
  }
  return { ok: false, errors };
}

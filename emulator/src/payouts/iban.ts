import type { CardOutcome } from '../cards/test-cards.js';

/**
 * IBAN checks (ISO 13616): two letters, two check digits, the account; moved four characters
 * round and read as a number in base 36, it leaves 1 mod 97. Kazakh IBANs are 20 characters
 * (`KZ` + 2 + 3-digit bank code + 13). The docs document no check at all (docs/gateway/payouts.md §4):
 * the sandbox checks what every bank checks, and says what is wrong (docs/decisions/0013).
 */
const LENGTHS: Readonly<Record<string, number>> = { KZ: 20 };

/** What is wrong with an IBAN, or undefined when it is valid. Spaces are allowed and ignored. */
export function ibanProblem(raw: string): string | undefined {
  const iban = normalIban(raw);
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$/.test(iban)) {
    return 'must be an IBAN: two letters, two check digits, then the account (letters and digits)';
  }
  const country = iban.slice(0, 2);
  const length = LENGTHS[country];
  if (length !== undefined && iban.length !== length) {
    return `must be ${length} characters for ${country} (it has ${iban.length})`;
  }
  if (mod97(`${iban.slice(4)}${iban.slice(0, 4)}`) !== 1) {
    return 'has wrong check digits (ISO 13616 mod 97): a character is mistyped';
  }
  return undefined;
}

export function normalIban(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

function mod97(text: string): number {
  let rest = 0;
  for (const char of text) {
    const value = parseInt(char, 36);
    rest = (value < 10 ? rest * 10 + value : rest * 100 + value) % 97;
  }
  return rest;
}

/**
 * The sandbox's test IBANs: like the payout test cards, each forces an outcome. Any other valid
 * IBAN is paid `ok`, unless a scenario says otherwise.
 */
export const TEST_IBANS: readonly {
  readonly iban: string;
  readonly outcome: CardOutcome;
  readonly documented: string;
}[] = [
  { iban: 'KZ85125KZT0000000001', outcome: { kind: 'ok' }, documented: 'success' },
  {
    iban: 'KZ58125KZT0000000002',
    outcome: { kind: 'error', code: 10000 },
    documented: 'error 10000',
  },
  {
    iban: 'KZ31125KZT0000000003',
    outcome: { kind: 'process', then: 'ok' },
    documented: 'process, later success',
  },
  {
    iban: 'KZ04125KZT0000000004',
    outcome: { kind: 'process', then: { errorCode: 10001 } },
    documented: 'process, later error 10001',
  },
];

const byIban = new Map(TEST_IBANS.map((test) => [test.iban, test]));

export function ibanOutcome(iban: string): { outcome: CardOutcome; documented: string } {
  const test = byIban.get(normalIban(iban));
  return test ?? { outcome: { kind: 'ok' }, documented: 'success' };
}

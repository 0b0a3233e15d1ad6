import { TEST_CARDS } from './test-cards.js';

/**
 * Ids the gateway invents for cards and card sessions. Each takes a uniform draw in [0, 1) from
 * the sandbox's seeded randomness (docs/style.md principle 7), so the same seed and the same
 * requests give the same tokens.
 */

/** Every fixed test-card token starts so; no drawn token may, so none can shadow a test card. */
export const TEST_CARD_TOKEN_PREFIX = '7a3e1a7c-5b0f-4b8e-9d4f-';

/** The highest id the documented test cards use (1001-1009). */
export const LAST_TEST_CARD_ID = Math.max(...TEST_CARDS.map((card) => card.id));

/** `random() * n` floored, kept below `n` should a source ever return 1. */
function below(random: () => number, n: number): number {
  return Math.min(Math.floor(random() * n), n - 1);
}

function hex(random: () => number, digits: number): string {
  let text = '';
  for (let i = 0; i < digits; i++) text += below(random, 16).toString(16);
  return text;
}

/**
 * `pg_card_token`: a version-4 UUID (lowercase), drawn again on the vanishing chance (2^-74) that
 * it falls in the test cards' reserved prefix.
 */
export function newCardToken(random: () => number): string {
  for (;;) {
    const digits = hex(random, 30);
    const variant = (8 + below(random, 4)).toString(16);
    const token = [
      digits.slice(0, 8),
      digits.slice(8, 12),
      `4${digits.slice(12, 15)}`,
      `${variant}${digits.slice(15, 18)}`,
      digits.slice(18, 30),
    ].join('-');
    if (!token.startsWith(TEST_CARD_TOKEN_PREFIX)) return token;
  }
}

/**
 * `pg_card_id`: the next number after the highest id the store has issued, never at or below
 * the test cards' ids, so the first saved card is 1010.
 */
export function newCardId(lastId: number): number {
  return Math.max(lastId, LAST_TEST_CARD_ID) + 1;
}

/** The hex id of the hosted page's URL (`…/cardstorage/view?pg_payment_id=<hex>`, §3). */
export function newViewId(random: () => number): string {
  return hex(random, 32);
}

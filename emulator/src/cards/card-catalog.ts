import { createHash } from 'node:crypto';
import { createSavedCard, type SavedCard } from './card.js';
import { TEST_CARDS, type CardOutcome, type TestCard } from './test-cards.js';

/**
 * What the sandbox knows about a card number: how saving it goes (docs/gateway/card-storage.md §11) and how a
 * payout to it ends (docs/gateway/payouts.md §5). Behaviour is data (docs/style.md principle 2): the
 * documented cards are a table, and every other valid number saves without 3DS and pays out `ok`.
 */

export interface CardStorageTestCard {
  readonly pan: string;
  /** The issuer asks for the 3DS password before the card is saved. */
  readonly threeDs: boolean;
  /** "card add: impossible": the session fails and no card is saved. */
  readonly declinedAtSaving: boolean;
  readonly documented: string;
}

/** The Gateway overview's card-storage test cards (docs/gateway/card-storage.md §11). */
export const CARD_STORAGE_TEST_CARDS: readonly CardStorageTestCard[] = [
  ...['4716047261941981', '4939770956154989'].map((pan) => ({
    pan,
    threeDs: false,
    declinedAtSaving: false,
    documented: 'card add without 3DS',
  })),
  ...['4916307416334310', '5367654276102126'].map((pan) => ({
    pan,
    threeDs: true,
    declinedAtSaving: false,
    documented: 'card add with 3DS',
  })),
  ...['6224466455690681278', '623275279933273424', '62528733472390953'].map((pan) => ({
    pan,
    threeDs: false,
    declinedAtSaving: false,
    documented: 'card add without 3DS (UnionPay-style, 17-19 digits)',
  })),
  ...['5335215945367703', '4916109830832246', '5548398681700148', '5475102935853613'].map(
    (pan) => ({
      pan,
      threeDs: false,
      declinedAtSaving: true,
      documented: 'card add impossible (auth declined)',
    }),
  ),
];

/** The password the simulated issuer's 3DS page accepts; the page names it. Anything else fails. */
export const THREE_DS_PASSWORD = '3ds-pass';

/** Surrounding spaces are forgiven (a pasted password often carries one); case is not. */
export function threeDsPasswordAccepted(typed: string): boolean {
  return typed.trim() === THREE_DS_PASSWORD;
}

/**
 * Kazakh issuers as they appear in `pg_bank` (docs/gateway/card-storage.md §5 captures: `АО "Сбербанк"`, `АО «QAZQOM»`):
 * UTF-8 Cyrillic and both quote styles, so a client's signature and XML escaping are exercised.
 */
export const SANDBOX_BANKS: readonly string[] = [
  'АО "Halyk Bank"',
  'АО "Kaspi Bank"',
  'АО "ForteBank"',
  'АО «Банк ЦентрКредит»',
  'АО «Jusan Bank»',
  'АО "Bank RBK"',
];

export const SANDBOX_CARD_COUNTRY = 'KZ';

export interface CardProfile {
  readonly threeDs: boolean;
  readonly bank: string;
  readonly country: string;
  readonly declinedAtSaving: boolean;
}

const storageByPan = new Map(CARD_STORAGE_TEST_CARDS.map((card) => [card.pan, card]));
const payoutByPan = new Map(TEST_CARDS.map((card) => [card.pan, card]));

/**
 * The issuer is a function of the BIN (first six digits), as it is for real cards: the same number,
 * and numbers of the same BIN, always get the same bank, in every run and under every seed.
 */
function bankFor(pan: string): string {
  const digest = createHash('md5')
    .update(`bank:${pan.slice(0, 6)}`, 'utf8')
    .digest();
  return SANDBOX_BANKS[digest.readUInt32BE(0) % SANDBOX_BANKS.length] ?? 'АО "Halyk Bank"';
}

/**
 * How saving `pan` goes. The documented card-storage cards follow docs/gateway/card-storage.md §11; the payout test cards
 * (docs/gateway/payouts.md §5) and every other number save without 3DS.
 *
 * `_random` is accepted and not drawn from: a profile depends on the number only, so the same card
 * behaves the same whatever the seed and however many numbers were drawn before it.
 */
export function cardProfile(pan: string, _random?: () => number): CardProfile {
  const documented = storageByPan.get(pan);
  return {
    threeDs: documented?.threeDs ?? false,
    declinedAtSaving: documented?.declinedAtSaving ?? false,
    bank: bankFor(pan),
    country: SANDBOX_CARD_COUNTRY,
  };
}

/**
 * How a payout to a saved card ends by default (scenarios may say otherwise): the documented payout
 * test cards keep their documented outcome when saved through the page; every other card is `ok`.
 */
export function payoutOutcomeForPan(pan: string): CardOutcome {
  return payoutByPan.get(pan)?.outcome ?? { kind: 'ok' };
}

/** The docs give the payout test cards no expiry or holder; these are the sandbox's choice. */
export const TEST_CARD_EXPIRY = { month: '12', year: '30' } as const;
export const TEST_CARD_HOLDER = 'SANDBOX TEST CARD';

/**
 * A documented payout test card as the saved card every user of every merchant has (its token and
 * id are fixed, so integrators can copy them from the README).
 */
export function testCardAsSaved(
  card: TestCard,
  merchantId: string,
  userId: string,
  createdAt: string,
): SavedCard {
  const profile = cardProfile(card.pan);
  return createSavedCard({
    token: card.token,
    id: card.id,
    merchantId,
    userId,
    pan: card.pan,
    holder: TEST_CARD_HOLDER,
    month: TEST_CARD_EXPIRY.month,
    year: TEST_CARD_EXPIRY.year,
    bank: profile.bank,
    country: profile.country,
    threeDs: profile.threeDs,
    createdAt,
    payoutOnly: false,
  });
}

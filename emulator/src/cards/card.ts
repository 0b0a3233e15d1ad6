import { createHash } from 'node:crypto';

/**
 * A card a user saved, for one merchant and one user (docs/gateway/card-storage.md). Cards are never
 * forgotten: removing one marks it `deleted`, so a payout to it can be refused with a reason
 * instead of "unknown card".
 */
export type SavedCardStatus = 'approved' | 'deleted';

export interface SavedCard {
  /** `pg_card_token` (current docs; reg2reg `pg_card_token_to`). */
  readonly token: string;
  /** `pg_card_id` (legacy SDKs; reg2reg `pg_card_id_to`). */
  readonly id: number;
  readonly merchantId: string;
  readonly userId: string;
  /** Kept whole: the sandbox is offline and holds test numbers only. The CVC is never kept. */
  readonly pan: string;
  readonly holder: string;
  /** Two digits, `01`–`12`. */
  readonly month: string;
  /** Two digits. */
  readonly year: string;
  /** `pg_card_hash` of the callback: see {@link cardHash}. */
  readonly hash: string;
  /** `pg_card_hhash`: see {@link cardHhash}. */
  readonly hhash: string;
  /** `pg_bank`, UTF-8 (Cyrillic and typographic quotes occur in captures, §5). */
  readonly bank: string;
  /** `pg_country`, ISO 3166-1 alpha-2. */
  readonly country: string;
  /** `pg_card_3ds`: whether the card went through the issuer's 3DS page when saved. */
  readonly threeDs: boolean;
  readonly status: SavedCardStatus;
  /** ISO 8601, from the sandbox clock. */
  readonly createdAt: string;
  readonly deletedAt?: string;
  /** Saved through `cardstoragepayout/add`: "can only be used for payouts" (docs/gateway/card-storage.md §1). */
  readonly payoutOnly: boolean;
  /** The `pg_payment_id` of the hosted-page session that saved it; absent for seeded cards. */
  readonly sessionId?: number;
}

/** The masked PAN the gateway returns as `pg_card_hash`, in the PHP SDK sample's format. */
export function cardHash(pan: string): string {
  const masked = `${pan.slice(0, 6)}${'X'.repeat(pan.length - 10)}${pan.slice(-4)}`;
  // Groups of four only where they fall on the last four digits: 16-digit cards.
  return pan.length === 16 ? (masked.match(/.{4}/g)?.join('-') ?? masked) : masked;
}

/**
 * `pg_card_mask` of the Gateway (PCI) answers, `4400-43XX-XXXX-1358` (docs/gateway/card-storage.md §10). The docs show only
 * 16-digit samples, which have the `pg_card_hash` form, so both follow one rule: a 19-digit
 * UnionPay number is `622446XXXXXXXXX1278`, ungrouped.
 */
export function cardMask(pan: string): string {
  return cardHash(pan);
}

/** `pg_card_hash` in the Gateway's `/g2g/cardstorage/list`: `411111-XXXXXX-1111` (docs/gateway/card-storage.md §6). */
export function gatewayListHash(pan: string): string {
  return `${pan.slice(0, 6)}-${'X'.repeat(Math.max(pan.length - 10, 0))}-${pan.slice(-4)}`;
}

/**
 * Prefixed so the fingerprint is not the bare MD5 of the number (which anyone could look up), and
 * fixed so it is the same in every run and for every merchant, as a fingerprint must be.
 */
const HHASH_PREFIX = 'freedompay-sandbox:card:';

/** `pg_card_hhash`: a stable 32-hex fingerprint of the number (docs/gateway/card-storage.md §5: "MD5-like"). */
export function cardHhash(pan: string): string {
  return createHash('md5').update(`${HHASH_PREFIX}${pan}`, 'utf8').digest('hex');
}

export interface NewSavedCard {
  readonly token: string;
  readonly id: number;
  readonly merchantId: string;
  readonly userId: string;
  readonly pan: string;
  readonly holder: string;
  readonly month: string;
  readonly year: string;
  readonly bank: string;
  readonly country: string;
  readonly threeDs: boolean;
  readonly createdAt: string;
  readonly payoutOnly: boolean;
  readonly sessionId?: number;
}

/** An approved card, with its hash and fingerprint derived from the number. */
export function createSavedCard(input: NewSavedCard): SavedCard {
  return {
    ...input,
    hash: cardHash(input.pan),
    hhash: cardHhash(input.pan),
    status: 'approved',
  };
}

export class CardAlreadyDeletedError extends Error {
  constructor(token: string) {
    super(`card ${token} is deleted already; check card.status before removing it`);
    this.name = 'CardAlreadyDeletedError';
  }
}

/**
 * `approved → deleted`, `deleted` final (docs/style.md principle 3). A second remove is a request
 * the gateway answers with an error, so the caller checks `status` first; reaching here with a
 * deleted card is a bug.
 */
export function deleteCard(card: SavedCard, at: string): SavedCard {
  if (card.status === 'deleted') throw new CardAlreadyDeletedError(card.token);
  return { ...card, status: 'deleted', deletedAt: at };
}

import type { SavedCard } from './card.js';

/**
 * The documented payout test cards are saved for every merchant and every user (they are the
 * cards the README lists); such a card's merchant and user are this wildcard.
 */
export const EVERYONE = '*';

export function isEveryonesCard(card: Pick<SavedCard, 'merchantId' | 'userId'>): boolean {
  return card.merchantId === EVERYONE && card.userId === EVERYONE;
}

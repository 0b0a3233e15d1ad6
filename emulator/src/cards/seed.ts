import { isoTime } from '../clock.js';
import type { Store } from '../store/store.js';
import { testCardAsSaved } from './card-catalog.js';
import { EVERYONE } from './everyone.js';
import { TEST_CARDS } from './test-cards.js';

/**
 * The documented payout test cards are saved cards like any other, held by the store, saved for
 * every merchant and user (issue 11: stored cards are the one source of truth). Seeded once per
 * store; a store that has them already is left alone.
 */
export async function seedTestCards(store: Store, now: number): Promise<void> {
  const held = await Promise.all(TEST_CARDS.map((card) => store.card(card.token)));
  const missing = TEST_CARDS.filter((_card, i) => held[i] === undefined);
  if (missing.length === 0) return;
  const at = isoTime(now);
  await store.commit({
    cards: missing.map((card) => testCardAsSaved(card, EVERYONE, EVERYONE, at)),
  });
}

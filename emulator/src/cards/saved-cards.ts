import { isoTime, type Clock } from '../clock.js';
import type { Randomness } from '../randomness.js';
import type { Store } from '../store/store.js';
import { createSavedCard, deleteCard, type SavedCard } from './card.js';
import { cardProfile } from './card-catalog.js';
import { validateCardInput, type CardInputErrors } from './card-input.js';
import type { PendingCard } from './card-session.js';
import { isEveryonesCard } from './everyone.js';
import { newCardId, newCardToken } from './ids.js';

/**
 * The cards users saved: listed, removed, or saved without a page for tests and QA. A session
 * that approves a card (card-storage.ts) makes it with `newSavedCard`.
 */

export type RemoveResult =
  | { readonly kind: 'removed'; readonly card: SavedCard }
  | { readonly kind: 'not-found'; readonly why: string };

/** A card saved without a page (`POST /__sandbox/cards`); what is left out gets a default. */
export interface DirectCard {
  readonly merchantId: string;
  readonly userId: string;
  readonly pan: string;
  readonly holder?: string;
  readonly month?: string;
  readonly year?: string;
  readonly payoutOnly?: boolean;
}

export interface SavedCardsDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly randomness: Randomness;
}

export class SavedCards {
  constructor(private readonly deps: SavedCardsDeps) {}

  /**
   * A card saved without a page, for tests and QA (`POST /__sandbox/cards`): no session, no
   * callback, no 3DS.
   */
  async saveDirect(
    input: DirectCard,
  ): Promise<{ ok: true; card: SavedCard } | { ok: false; errors: CardInputErrors }> {
    const now = this.deps.clock.now();
    const expiry = new Date(now);
    const checked = validateCardInput(
      {
        pan: input.pan,
        holder: input.holder ?? 'SANDBOX USER',
        month: input.month ?? '12',
        year: input.year ?? String((expiry.getUTCFullYear() + 3) % 100).padStart(2, '0'),
        cvc: '123',
      },
      expiry,
    );
    if (!checked.ok) return { ok: false, errors: checked.errors };
    // The CVC is checked, never kept (card.ts).
    const { cvc: _cvc, ...typed } = checked.card;
    const card = await newSavedCard(
      this.deps,
      { merchantId: input.merchantId, userId: input.userId, payoutOnly: input.payoutOnly ?? false },
      typed,
      false,
      now,
    );
    await this.deps.store.commit({ cards: [card], lastCardId: card.id });
    return { ok: true, card };
  }

  /** The cards a user saved with a merchant and has not removed, oldest first. */
  async list(merchantId: string, userId: string): Promise<SavedCard[]> {
    const found: SavedCard[] = [];
    for (const card of await this.deps.store.cards({ merchantId, userId })) {
      if (card.status !== 'approved' || isEveryonesCard(card)) continue;
      found.push(card);
    }
    return found.sort((a, b) => a.id - b.id);
  }

  /** Removes a user's card, by token or id. The test cards are everyone's: nobody removes them. */
  async remove(
    merchantId: string,
    userId: string,
    ref: { token?: string; id?: number },
  ): Promise<RemoveResult> {
    const { store } = this.deps;
    const card =
      ref.token !== undefined
        ? await store.card(ref.token.toLowerCase())
        : ref.id !== undefined
          ? await store.cardById(ref.id)
          : undefined;
    const which = ref.token !== undefined ? `token ${ref.token}` : `id ${ref.id ?? ''}`;
    if (!card) return { kind: 'not-found', why: `no card with ${which}` };
    if (isEveryonesCard(card)) {
      return {
        kind: 'not-found',
        why: `${which} is a documented test card, which cannot be removed`,
      };
    }
    if (card.merchantId !== merchantId || card.userId !== userId) {
      return { kind: 'not-found', why: `${which} is not a card of user ${userId}` };
    }
    if (card.status === 'deleted') {
      return { kind: 'not-found', why: `${which} was removed already at ${card.deletedAt ?? ''}` };
    }
    const removed = deleteCard(card, isoTime(this.deps.clock.now()));
    await store.commit({ cards: [removed] });
    return { kind: 'removed', card: removed };
  }
}

/** A new saved card; its id is allocated now (the commit that saves it may still not come). */
export async function newSavedCard(
  deps: SavedCardsDeps,
  owner: { merchantId: string; userId: string; payoutOnly: boolean },
  typed: PendingCard,
  threeDs: boolean,
  now: number,
  sessionId?: number,
): Promise<SavedCard> {
  const { store, randomness } = deps;
  const profile = cardProfile(typed.pan);
  const token = newCardToken(() => randomness.idDraw());
  const id = await store.nextCardId(newCardId);
  return createSavedCard({
    token,
    id,
    ...owner,
    ...typed,
    bank: profile.bank,
    country: profile.country,
    threeDs,
    createdAt: isoTime(now),
    ...(sessionId !== undefined ? { sessionId } : {}),
  });
}

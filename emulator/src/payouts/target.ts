import { payoutOutcomeForPan } from '../cards/card-catalog.js';
import type { SavedCard } from '../cards/card.js';
import { isEveryonesCard } from '../cards/everyone.js';
import { cardHash, TEST_CARDS, type CardOutcome } from '../cards/test-cards.js';
import { GatewayErrors } from '../errors.js';
import type { Merchant } from '../merchants/merchants.js';
import type { Fields } from '../signature/signature.js';
import type { Store } from '../store/store.js';
import { ibanOutcome, normalIban } from './iban.js';
import { cardDecision, type Decision } from './outcome.js';
import type { PayoutDestination } from './payout.js';
import type { PayoutRequest } from './request.js';
import type { Rejection } from './service.js';

/**
 * Where a payout goes (a saved card, a card number, an IBAN, a payout page), checked before
 * anything is decided, and the outcome its card or IBAN gives when no scenario rule decides.
 */

/** Where a payout goes, once checked, and what decides it when no scenario does. */
export interface ResolvedTarget {
  readonly destination: PayoutDestination;
  /** Undefined for a payout page: nothing is decided until the recipient typed a number. */
  readonly fallback?: Decision;
  /** Fields scenario rules see on top of the request's. */
  readonly choiceFields: Fields;
  readonly cardToken?: string;
}

export async function resolveTarget(
  store: Store,
  request: PayoutRequest,
  merchant: Merchant,
  viewId: () => string,
): Promise<ResolvedTarget | Rejection> {
  const target = request.target;
  switch (target.kind) {
    case 'saved-card': {
      const card = await findSavedCard(store, target);
      const refusal = refuseCard(card, target, request.userId, merchant);
      if (refusal || !card) return refusal ?? rejectUnknownCard(target);
      return {
        destination: { kind: 'saved-card', token: card.token, cardId: card.id, hash: card.hash },
        fallback: cardDecision(payoutOutcomeForPan(card.pan), describeCard(card)),
        // The card fields name the card the payout goes to, however the client named it.
        choiceFields: { pg_card_token_to: card.token, pg_card_id_to: String(card.id) },
        cardToken: card.token,
      };
    }
    case 'card-number': {
      const hash = cardHash(target.pan);
      return {
        destination: {
          kind: 'card-number',
          pan: target.pan,
          hash,
          ...(target.holder !== undefined ? { holder: target.holder } : {}),
        },
        fallback: cardDecision(payoutOutcomeForPan(target.pan), describeNumber(target.pan, hash)),
        choiceFields: {},
      };
    }
    case 'iban': {
      const { outcome, documented } = ibanOutcome(target.iban);
      return {
        destination: { ...target, iban: normalIban(target.iban) },
        fallback: cardDecision(outcome, `IBAN ${normalIban(target.iban)}: ${documented}`),
        choiceFields: {},
      };
    }
    case 'payout-page':
      return {
        destination: { kind: 'payout-page', viewId: viewId(), backLink: target.backLink },
        choiceFields: {},
      };
  }
}

/** A token wins over an id when both are sent (the legacy SDK sends an id, newer clients a token). */
function findSavedCard(
  store: Store,
  target: { token?: string; id?: string },
): Promise<SavedCard | undefined> {
  if (target.token !== undefined) return store.card(target.token.toLowerCase());
  if (target.id !== undefined) return store.cardById(Number(target.id));
  return Promise.resolve(undefined);
}

/** How a payout's reason names a card number: the documented outcome of a test card, else its mask. */
export function describeNumber(pan: string, hash: string): string {
  const documented = TEST_CARDS.find((test) => test.pan === pan);
  return documented
    ? `test card ${pan}: ${documented.documented}`
    : `card ${hash}: ${describeOutcome(payoutOutcomeForPan(pan))}`;
}

/**
 * A card is paid to only by the merchant and user who saved it (the test cards are everyone's),
 * and not once it is removed. The gateway's code for these is not documented: the sandbox
 * answers its "card not found" (docs/decisions/0012-card-storage.md).
 */
function refuseCard(
  card: SavedCard | undefined,
  target: { token?: string; id?: string },
  userId: string,
  merchant: Merchant,
): Rejection | undefined {
  if (!card) return undefined;
  const which = describeTarget(target);
  const refuse = (hint: string): Rejection => ({
    kind: 'rejected',
    error: GatewayErrors.cardNotFound,
    hint,
  });
  if (card.status === 'deleted') {
    return refuse(
      `${which} was removed${card.deletedAt ? ` at ${card.deletedAt}` : ''}; save the card again to pay out to it`,
    );
  }
  if (isEveryonesCard(card)) return undefined;
  if (card.merchantId !== merchant.id) {
    return refuse(
      `${which} was saved for another merchant; each merchant pays out to its own users' cards`,
    );
  }
  if (card.userId !== userId) {
    return refuse(
      `${which} belongs to another pg_user_id than "${userId}"; send the user the card was saved for`,
    );
  }
  return undefined;
}

/** How the payout's reason names the card: the documented outcome of a test card, else its mask. */
function describeCard(card: SavedCard): string {
  const documented = TEST_CARDS.find((test) => test.token === card.token);
  return documented
    ? `test card ${documented.pan}: ${documented.documented}`
    : `saved card ${card.hash}: ${describeOutcome(payoutOutcomeForPan(card.pan))}`;
}

function describeOutcome(outcome: CardOutcome): string {
  if (outcome.kind === 'ok') return 'success';
  if (outcome.kind === 'error') return `error ${outcome.code}`;
  return outcome.then === 'ok'
    ? 'process, later success'
    : `process, later error ${outcome.then.errorCode}`;
}

function describeTarget(target: { token?: string; id?: string }): string {
  return target.token !== undefined
    ? `pg_card_token_to "${target.token}"`
    : `pg_card_id_to "${target.id ?? ''}"`;
}

function rejectUnknownCard(target: { token?: string; id?: string }): Rejection {
  const which = describeTarget(target);
  return {
    kind: 'rejected',
    error: GatewayErrors.cardNotFound,
    hint: `${which} is not a saved card; use one of the test cards listed at GET /__sandbox/cards`,
  };
}

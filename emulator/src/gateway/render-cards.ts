import type { SavedCard } from '../cards/card.js';
import type { CardSession } from '../cards/card-session.js';
import { isoSeconds } from '../clock.js';

/**
 * The card-add callback to `pg_post_link` (docs/gateway/card-storage.md §5), in the captured order. A
 * failed session, whose callback no capture shows, says `pg_status` `error` with the gateway's
 * error code and description (docs/decisions/0012-card-storage.md).
 */
export function cardCallbackFields(session: CardSession, card?: SavedCard): Record<string, string> {
  if (!card) {
    return {
      pg_type: 'approve',
      pg_payment_id: String(session.paymentId),
      pg_order_id: session.orderId,
      pg_status: 'error',
      pg_error_code: String(session.failure?.code ?? 10000),
      pg_error_description: session.failure?.description ?? '',
      pg_user_id: session.userId,
    };
  }
  return {
    pg_type: 'approve',
    pg_payment_id: String(session.paymentId),
    pg_order_id: session.orderId,
    pg_card_hash: card.hash,
    pg_card_hhash: card.hhash,
    pg_card_month: card.month,
    pg_card_year: card.year,
    pg_bank: card.bank,
    pg_country: card.country,
    pg_card_3ds: card.threeDs ? '1' : '0',
    pg_status: 'success',
    pg_card_id: String(card.id),
    pg_card_token: card.token,
    pg_user_id: session.userId,
    pg_recurring_profile_id: '',
  };
}

/** A saved card as `cardstorage/list` shows it (one `<card>` element). */
export function listedCardFields(card: SavedCard): Record<string, string> {
  return {
    pg_card_id: String(card.id),
    pg_card_token: card.token,
    pg_card_hash: card.hash,
    pg_status: card.status === 'approved' ? 'approved' : 'deleted',
    created_at: isoSeconds(card.createdAt),
  };
}

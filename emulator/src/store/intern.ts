import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import type { FieldValue } from '../signature/signature.js';

/**
 * Most field values repeat from payout to payout: the merchant, the card, the post link, the
 * description, the amount. Parsed requests and JSON give every payout its own copies; keeping one
 * copy of each such value is most of the difference between 100,000 stored payouts fitting in
 * 200 MB or not. Values unique by nature (order ids, salts, signatures) are left alone, so the
 * pool stays small.
 */
const REPEATING = new Set([
  'pg_merchant_id',
  'pg_amount',
  'pg_user_id',
  'pg_card_token_to',
  'pg_card_id_to',
  'pg_card_token',
  'pg_card_id',
  'pg_card_hash',
  'pg_description',
  'pg_post_link',
  'pg_back_link',
  'pg_order_time_limit',
  'pg_status',
  'pg_balance',
  'pg_payment_amount',
  'pg_to_pay',
  'pg_error_code',
  'pg_error_description',
  'pg_currency',
]);

const MAX_POOL = 100_000;
const MAX_LENGTH = 512;

export class StringPool {
  private readonly pool = new Map<string, string>();

  intern(value: string): string {
    if (value.length > MAX_LENGTH) return value;
    const known = this.pool.get(value);
    if (known !== undefined) return known;
    if (this.pool.size < MAX_POOL) this.pool.set(value, value);
    return value;
  }

  payout(payout: Payout): Payout {
    return {
      ...payout,
      merchantId: this.intern(payout.merchantId),
      userId: this.intern(payout.userId),
      cardToken: this.intern(payout.cardToken),
      cardHash: this.intern(payout.cardHash),
      postLink: this.intern(payout.postLink),
      orderTimeLimit: this.intern(payout.orderTimeLimit),
      history: payout.history.map((change) => ({ ...change, reason: this.intern(change.reason) })),
      request: this.fields(payout.request),
      answer: this.fields(payout.answer) as Record<string, string>,
    };
  }

  postback(postback: Postback): Postback {
    return {
      ...postback,
      merchantId: this.intern(postback.merchantId),
      url: this.intern(postback.url),
      fields: this.fields(postback.fields) as Record<string, string>,
    };
  }

  private fields(fields: Readonly<Record<string, FieldValue>>): Record<string, FieldValue> {
    const out: Record<string, FieldValue> = {};
    for (const [key, value] of Object.entries(fields)) {
      out[this.intern(key)] =
        typeof value === 'string' && REPEATING.has(key) ? this.intern(value) : value;
    }
    return out;
  }
}

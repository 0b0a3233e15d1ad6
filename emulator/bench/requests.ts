import { TEST_CARDS } from '../src/cards/test-cards.js';
import { sign } from '../src/signature/signature.js';
import { DEFAULT_MERCHANTS, type BenchMerchant } from './merchants.js';

/**
 * The requests every server gets: validly signed reg2reg payouts to the default ok card, each
 * with an order id of its own, as multipart or urlencoded bodies. The same generator feeds the
 * floors, Prism and the sandbox, so each is measured on the same bodies.
 */
export type BodyKind = 'multipart' | 'urlencoded';

export const BODY_KINDS: readonly BodyKind[] = ['multipart', 'urlencoded'];

const BOUNDARY = '----freedompaysandboxbench';

export const CONTENT_TYPE: Record<BodyKind, string> = {
  multipart: `multipart/form-data; boundary=${BOUNDARY}`,
  urlencoded: 'application/x-www-form-urlencoded',
};

const card = TEST_CARDS[0]?.token ?? '';
let sequence = 0;

/**
 * The fields of one payout, `pg_sig` last: for the next of `merchants` in turn, signed with its
 * payout key.
 */
export function payoutFields(
  postLink: string,
  merchants: readonly BenchMerchant[] = DEFAULT_MERCHANTS,
): Record<string, string> {
  const n = sequence++;
  const merchant = merchants[n % merchants.length] ?? DEFAULT_MERCHANTS[0];
  if (!merchant) throw new Error('a payout needs a merchant');
  const fields: Record<string, string> = {
    pg_merchant_id: merchant.id,
    pg_amount: '10.00',
    pg_order_id: `bench-${process.pid}-${n}`,
    pg_user_id: `user-${n % 100}`,
    pg_card_token_to: card,
    pg_description: 'Benchmark payout',
    pg_post_link: postLink,
    pg_order_time_limit: '2030-12-31 23:59:59',
    pg_salt: `s${n}`,
  };
  fields.pg_sig = sign('reg2reg', fields, merchant.secretKey);
  return fields;
}

export function encodeBody(kind: BodyKind, fields: Record<string, string>): Buffer {
  if (kind === 'urlencoded') return Buffer.from(new URLSearchParams(fields).toString());
  let body = '';
  for (const [name, value] of Object.entries(fields)) {
    body += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  return Buffer.from(`${body}--${BOUNDARY}--\r\n`);
}

/** A new payout's body of this kind, for the next of `merchants` in turn. */
export function payoutBody(
  kind: BodyKind,
  postLink: string,
  merchants: readonly BenchMerchant[] = DEFAULT_MERCHANTS,
): Buffer {
  return encodeBody(kind, payoutFields(postLink, merchants));
}

/** Whether an answer is a paid payout: HTTP 200 alone proves nothing here. */
export function isPaid(body: string): boolean {
  return body.includes('<pg_status>ok</pg_status>');
}

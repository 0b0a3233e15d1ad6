import type { Json } from './schema.js';

/** What each answer field means; `closed`: its values are the ones the samples show, an enum. */
export const ANSWER_FIELDS: Record<string, { readonly text: string; readonly closed?: true }> = {
  pg_payment_id: { text: "The gateway's id of the payment: ask about it with it later." },
  pg_merchant_id: { text: 'The merchant id, as sent.' },
  pg_order_id: { text: "The merchant's order id, as sent (empty when none was sent)." },
  pg_user_id: { text: "The merchant's user, as sent." },
  pg_status: {
    text: 'The result, one of the values listed. A refused request gets the error envelope (GatewayError) instead.',
    closed: true,
  },
  pg_balance: { text: "The merchant's payout balance after this payout, KZT, 2 decimals." },
  pg_card_hash: { text: 'The masked card number, e.g. 4671-59XX-XXXX-8252.' },
  pg_card_id: { text: "The saved card's numeric id (reg2reg's pg_card_id_to)." },
  pg_card_token: { text: "The saved card's token (reg2reg's pg_card_token_to)." },
  pg_payment_amount: { text: 'The amount paid out, 2 decimals.' },
  pg_payment_date: {
    text: 'When the payment was made (ISO 8601 UTC; legacy methods: YYYY-MM-DD HH:mm:ss).',
  },
  pg_error_code: {
    text: 'Only on a declined payout: the decline code (see GatewayErrorCode). Never sent on success, not even as 0 (the PHP SDK fails any answer that has it).',
  },
  pg_error_description: { text: 'Only on a declined payout: what the code means.' },
  pg_redirect_url: { text: 'The page to send the browser to, at the origin the request came to.' },
  pg_reference: {
    text: "The bank's 12-digit retrieval reference (YDDDHH + the payment id's last six digits).",
  },
  pg_datetime: { text: 'When the gateway answered, ISO 8601 UTC.' },
  pg_payment_status: {
    text: '`process` until the payout ends, then `success` or `error`.',
    closed: true,
  },
  pg_amount: { text: 'The amount, 2 decimals.' },
  pg_net_amount: { text: 'The amount less the commission (the sandbox charges none).' },
  pg_currency: { text: 'The sandbox keeps one payout balance, in KZT.', closed: true },
  pg_failure_code: {
    text: "Only when the payout failed: its error code (the sandbox's name: a status answer that carried pg_error_code would read as a failed request).",
  },
  pg_failure_description: { text: 'Only when the payout failed: what the code means.' },
  pg_transaction_status: {
    text: '`partial` (a payout page nobody finished), `pending`, `ok` or `failed`.',
    closed: true,
  },
  pg_can_reject: { text: 'Always 0: a payout cannot be rejected.', closed: true },
  pg_testing_mode: { text: 'Always 1: a sandbox payment.', closed: true },
  pg_create_date: { text: 'When the payment was made, YYYY-MM-DD HH:mm:ss.' },
  pg_type: { text: '`init`: a card session was opened.', closed: true },
  pg_card_mask: { text: 'The masked card number, e.g. 4400-43XX-XXXX-1358.' },
  pg_3ds: { text: '1 when the card goes (or went) through 3-D Secure.', closed: true },
  pg_3d_acsurl: {
    text: "Empty, or the issuer's page to post the browser to with MD, PaReq and your TermUrl.",
  },
  pg_3d_md: { text: 'With pg_3ds 1 and no token yet: the MD to post to pg_3d_acsurl.' },
  pg_3d_pareq: { text: 'With pg_3ds 1 and no token yet: the PaReq to post to pg_3d_acsurl.' },
  pg_secure_details: {
    text: '`F` saved without a challenge, `C` the issuer asked for the password.',
    closed: true,
  },
  pg_is_filled: {
    text: 'Always 1: every card the sandbox saves has holder, expiry and CVC checked.',
    closed: true,
  },
  created_at: { text: 'When the card was saved, ISO 8601 UTC.' },
  deleted_at: { text: 'When the card was removed, ISO 8601 UTC.' },
  pg_salt: { text: 'A fresh random string.' },
  pg_sig: {
    text: "The answer's signature: the request's script name and the key that checked the request (docs/gateway/signature.md §2).",
  },
};

/**
 * One schema from the variants an answer comes in: fields in document order, required when every
 * variant has them, closed fields as the enum of the values seen.
 */
export function answerSchema(
  title: string,
  description: string,
  variants: readonly Record<string, string>[],
  records?: { readonly name: string; readonly variants: readonly Record<string, string>[] },
): Json {
  const names = mergeOrder(variants.map((variant) => Object.keys(variant)));
  const properties: Record<string, Json> = {};
  for (const name of names) {
    const values = [...new Set(variants.flatMap((v) => (v[name] === undefined ? [] : [v[name]])))];
    properties[name] = fieldSchema(name, values);
  }
  if (records) {
    const item = answerSchema(`${title} ${records.name}`, '', records.variants);
    delete item.title;
    delete item.description;
    const ownNames = names.filter((name) => name !== 'pg_salt' && name !== 'pg_sig');
    const ordered: Record<string, Json> = {};
    for (const name of ownNames) ordered[name] = properties[name] as Json;
    ordered[records.name] = {
      type: 'array',
      description: `One <${records.name}> element per record, none when there are none; each element's fields are signed as a nested list (docs/gateway/signature.md §3).`,
      items: { ...item, xml: { name: records.name } },
    };
    ordered.pg_salt = properties.pg_salt as Json;
    ordered.pg_sig = properties.pg_sig as Json;
    return shape(title, description, ordered, names, variants);
  }
  return shape(title, description, properties, names, variants);
}

export function shape(
  title: string,
  description: string,
  properties: Record<string, Json>,
  names: readonly string[],
  variants: readonly Record<string, string>[],
): Json {
  return {
    title,
    description: `${description}${description === '' ? '' : ' '}The children of <response>, in this order.`,
    type: 'object',
    xml: { name: 'response' },
    required: names.filter((name) => variants.every((v) => v[name] !== undefined)),
    properties,
  };
}

export function fieldSchema(name: string, values: readonly string[]): Json {
  const spec = ANSWER_FIELDS[name];
  if (spec === undefined) {
    throw new Error(
      `the answer field ${name} has no description: add it to ANSWER_FIELDS in emulator/src/openapi/answer-schema-builders.ts`,
    );
  }
  return {
    type: 'string',
    description: spec.text,
    ...(spec.closed ? { enum: values } : {}),
    ...(values[0] !== undefined ? { examples: [values[0]] } : {}),
  };
}

/** Names in the order the variants have them: a name one variant adds goes after its neighbour. */
export function mergeOrder(lists: readonly (readonly string[])[]): string[] {
  const merged: string[] = [];
  for (const list of lists) {
    let previous: string | undefined;
    for (const name of list) {
      if (!merged.includes(name)) {
        const at = previous === undefined ? 0 : merged.indexOf(previous) + 1;
        merged.splice(at, 0, name);
      }
      previous = name;
    }
  }
  return merged;
}

import type { CardSession } from '../cards/card-session.js';
import type { SavedCard } from '../cards/card.js';
import {
  gatewayCardAnswerFields,
  gatewayListedCardFields,
} from '../gateway/gateway-cards-answers.js';
import { listedCardFields } from '../gateway/render-cards.js';
import {
  legacyStatusFields,
  paymentStatus2Fields,
  statusByOrderFields,
} from '../gateway/render-status.js';
import {
  BALANCE_CURRENCY,
  cardNumberAnswerFields,
  FIELDS_AFTER_SIGNATURE,
  ibanAnswerFields,
  legacyIbanAnswerFields,
  payoutAnswerFields,
  payoutPageAnswerFields,
} from '../gateway/render.js';
import type { Payout, PayoutDestination, PayoutMethod, PayoutStatus } from '../payouts/payout.js';
import type { Json } from './schema.js';

/**
 * The XML answers of the gateway methods, as schemas of the `<response>` element's children.
 * The field names, their order and the values of the closed ones come from the code that renders
 * the answers (gateway/render.ts, gateway/gateway-cards.ts), run on sample records in every state
 * they can be in; only the descriptions are written here. A field missing from some states is
 * optional; a field a new render adds without a description stops the document from building.
 */

/** What each answer field means; `closed`: its values are the ones the samples show, an enum. */
const ANSWER_FIELDS: Record<string, { readonly text: string; readonly closed?: true }> = {
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

const AT = '2026-01-15T10:00:00.000Z';
const LATER = '2026-01-15T10:00:05.000Z';
const ORIGIN = 'http://127.0.0.1:4010';
const TOKEN = '7a3e1a7c-5b0f-4b8e-9d4f-000000000001';

const DESTINATIONS: Record<PayoutDestination['kind'], PayoutDestination> = {
  'saved-card': { kind: 'saved-card', token: TOKEN, cardId: 1001, hash: '4671-59XX-XXXX-8252' },
  'card-number': { kind: 'card-number', pan: '4671593866478252', hash: '4671-59XX-XXXX-8252' },
  'payout-page': {
    kind: 'payout-page',
    viewId: '0f3c5b7d9e1a2c4e6f8091a2b3c4d5e6',
    backLink: 'https://merchant.example/payout/done',
    pan: '4671593866478252',
    hash: '4671-59XX-XXXX-8252',
  },
  iban: {
    kind: 'iban',
    iban: 'KZ85125KZT0000000001',
    name: 'IVAN PETROV',
    iin: '900101300123',
    bik: 'KZZSAE',
  },
};

/** A payout in each state a method can show: the answers are rendered from these. */
function samplePayouts(method: PayoutMethod, kind: PayoutDestination['kind']): Payout[] {
  const states: { status: PayoutStatus; code?: number; description?: string }[] = [
    { status: 'waiting' },
    { status: 'process' },
    { status: 'ok' },
    { status: 'error', code: 10001, description: 'Payment error. Contact the issuing bank' },
    { status: 'error', code: 360, description: 'Transaction expired' },
  ];
  return states.map(({ status, code, description }) => ({
    paymentId: 1241702200,
    merchantId: '100001',
    orderId: 'order-2026-0001',
    userId: '42',
    amountMinor: 150_050,
    method,
    destination: DESTINATIONS[kind],
    postLink: 'https://merchant.example/payout/notify',
    orderTimeLimit: '2030-12-31 23:59:59',
    status,
    ...(code !== undefined ? { error: { code, description: description ?? '' } } : {}),
    createdAt: AT,
    updatedAt: LATER,
    history: [],
    balanceAfterMinor: 99_849_950,
    request: {},
    answerSeal: { salt: 'a1b2c3d4e5f60718', origin: ORIGIN },
  }));
}

const CARD: SavedCard = {
  token: TOKEN,
  id: 1001,
  merchantId: '100001',
  userId: '42',
  pan: '4716047261941981',
  holder: 'IVAN PETROV',
  month: '12',
  year: '29',
  hash: '4716-04XX-XXXX-1981',
  hhash: '0123456789abcdef0123456789abcdef',
  bank: 'АО «Sandbox Bank»',
  country: 'KZ',
  threeDs: false,
  status: 'approved',
  createdAt: AT,
  payoutOnly: false,
};

const SESSION: CardSession = {
  paymentId: 1253150432,
  merchantId: '100001',
  userId: '42',
  orderId: 'cards-42',
  postLink: '',
  backLink: '',
  variant: 'gateway',
  state: 'approved',
  createdAt: AT,
  updatedAt: AT,
  history: [],
  viewId: 'a3f5df308f10c1466e468b9182201e2a',
};

/** The signature's two fields end every signed answer. */
function signed(
  fields: Record<string, string>,
  after: readonly string[] = [],
): Record<string, string> {
  const before = Object.fromEntries(
    Object.entries(fields).filter(([name]) => !after.includes(name)),
  );
  const last = Object.fromEntries(Object.entries(fields).filter(([name]) => after.includes(name)));
  return {
    ...before,
    pg_salt: 'Zq3xY8wV1uT6sR2p',
    pg_sig: '55f8c1e2d3b4a5968778695a4b3c2d1e',
    ...last,
  };
}

/**
 * One schema from the variants an answer comes in: fields in document order, required when every
 * variant has them, closed fields as the enum of the values seen.
 */
function answerSchema(
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

function shape(
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

function fieldSchema(name: string, values: readonly string[]): Json {
  const spec = ANSWER_FIELDS[name];
  if (spec === undefined) {
    throw new Error(
      `the answer field ${name} has no description: add it to ANSWER_FIELDS in emulator/src/openapi/answers.ts`,
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
function mergeOrder(lists: readonly (readonly string[])[]): string[] {
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

function payoutVariants(
  method: PayoutMethod,
  kind: PayoutDestination['kind'],
  render: (payout: Payout) => Record<string, string>,
  states: readonly PayoutStatus[] = ['process', 'ok', 'error'],
): Record<string, string>[] {
  return samplePayouts(method, kind)
    .filter((payout) => states.includes(payout.status))
    .map((payout) => signed(render(payout), FIELDS_AFTER_SIGNATURE[method] ?? []));
}

/** Every answer schema, by component name. */
export function answerSchemas(): Record<string, Json> {
  const redirect = `${ORIGIN}/payout/0f3c5b7d9e1a2c4e6f8091a2b3c4d5e6`;
  return {
    Reg2regAnswer: answerSchema(
      'reg2reg answer',
      '`pg_status` is `ok` (paid), `process` (the outcome comes later, by the notify and the status methods) or `error` (declined, with pg_error_code: the payout exists and has a payment id).',
      payoutVariants('reg2reg', 'saved-card', (p) => payoutAnswerFields(p)),
    ),
    PayoutPageAnswer: answerSchema(
      'reg2nonreg answer',
      'The payout waits for the recipient to type a card number at pg_redirect_url (docs/gateway/payouts.md §2).',
      samplePayouts('reg2nonreg', 'payout-page')
        .filter((p) => p.status === 'waiting')
        .map((p) => signed(payoutPageAnswerFields(p, redirect))),
    ),
    CardNumberPayoutAnswer: answerSchema(
      'p2p2nonreg answer',
      "As reg2reg's, with pg_reference, and pg_datetime after pg_sig as the docs' example has it (signed like every field).",
      payoutVariants('p2p2nonreg', 'card-number', cardNumberAnswerFields),
    ),
    ToIbanAnswer: answerSchema(
      'to_iban answer',
      '`pg_status` `ok`, `process` or `error` (declined, with pg_error_code).',
      payoutVariants('to_iban', 'iban', ibanAnswerFields),
    ),
    IbanPayoutAnswer: answerSchema(
      'iban_payout answer',
      "The legacy SDK's IBAN payout: dates as YYYY-MM-DD HH:mm:ss; pg_redirect_url is the payout's record in the admin API (an IBAN payout has no page).",
      payoutVariants('iban_payout', 'iban', (p) => legacyIbanAnswerFields(p, { origin: ORIGIN })),
    ),
    PaymentStatus2Answer: answerSchema(
      'payment_status2 / payout_status2 answer',
      'A payout page nobody finished is still `process`.',
      [
        ...payoutVariants('reg2reg', 'saved-card', paymentStatus2Fields, [
          'waiting',
          'process',
          'ok',
          'error',
        ]),
        ...payoutVariants('to_iban', 'iban', paymentStatus2Fields, ['ok']),
      ],
    ),
    StatusByOrderAnswer: answerSchema(
      'get_status2.php answer',
      'The deprecated status by order id.',
      [
        ...payoutVariants('reg2reg', 'saved-card', statusByOrderFields, [
          'waiting',
          'process',
          'ok',
          'error',
        ]),
      ],
    ),
    LegacyStatusAnswer: answerSchema(
      'payment_status answer',
      "The legacy status the PHP SDK asks for: pg_status is the payout's status. By pg_payment_id: `new` (waiting or in process), `ok`, `failed`, `incomplete` (its time limit passed); by pg_order_id: `partial` (a payout page nobody finished), `pending`, `ok`, `failed`, `incomplete`.",
      samplePayouts('reg2reg', 'saved-card').flatMap((payout) =>
        (['payment', 'order'] as const).map((by) => signed(legacyStatusFields(payout, by))),
      ),
    ),
    BalanceAnswer: answerSchema('balance_status answer', "The merchant's payout balance.", [
      signed({ pg_status: 'ok', pg_balance: '998499.50', pg_currency: BALANCE_CURRENCY }),
    ]),
    CardSessionAnswer: answerSchema(
      'cardstorage/add answer',
      'A card session is open: send the user to pg_redirect_url, the hosted card page (docs/gateway/card-storage.md §3).',
      [
        signed({
          pg_payment_id: '1253150432',
          pg_merchant_id: '100001',
          pg_order_id: '',
          pg_redirect_url: `${ORIGIN}/v1/merchant/100001/cardstorage/view?pg_payment_id=a3f5df308f10c1466e468b9182201e2a`,
          pg_status: 'ok',
          pg_type: 'init',
        }),
      ],
    ),
    CardListAnswer: answerSchema(
      'cardstorage/list answer',
      "The user's saved cards; the test cards are everyone's and not listed (docs/gateway/card-storage.md §6).",
      [signed({ pg_status: 'ok' })],
      { name: 'card', variants: [listedCardFields(CARD)] },
    ),
    CardRemoveAnswer: answerSchema(
      'cardstorage/remove answer',
      'The removed card, its pg_status `deleted` (docs/gateway/card-storage.md §7).',
      [signed({})],
      { name: 'card', variants: [listedCardFields({ ...CARD, status: 'deleted' })] },
    ),
    GatewayCardAnswer: answerSchema(
      '/g2g/cardstorage/add and payment_acs answer',
      'The card is saved (pg_card_token), or waits for 3-D Secure: pg_3ds 1, no token yet, pg_3d_acsurl, pg_3d_md and pg_3d_pareq (docs/gateway/card-storage.md §10).',
      [
        signed(gatewayCardAnswerFields(SESSION, { kind: 'saved', card: CARD }, Date.parse(AT))),
        signed(
          gatewayCardAnswerFields(
            SESSION,
            {
              kind: '3ds',
              pan: '4916307416334310',
              request: {
                acsUrl: `${ORIGIN}/v2/user/3ds-page/${SESSION.viewId}`,
                md: SESSION.viewId,
                paReq: 'c2FuZGJveC1wYXJlcQ==',
              },
            },
            Date.parse(AT),
          ),
        ),
      ],
    ),
    GatewayCardListAnswer: answerSchema(
      '/g2g/cardstorage/list answer',
      "The user's saved cards in the Gateway's shape (docs/gateway/card-storage.md §6).",
      [signed({})],
      { name: 'card', variants: [gatewayListedCardFields(CARD)] },
    ),
    GatewayCardRemoveAnswer: answerSchema(
      '/g2g/cardstorage/remove answer',
      'docs/gateway/card-storage.md §7.',
      [signed({ pg_status: 'success', deleted_at: '2026-01-15T10:00:05Z' })],
    ),
  };
}

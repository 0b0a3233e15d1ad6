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
  ibanAnswerFields,
  legacyIbanAnswerFields,
  payoutAnswerFields,
  payoutPageAnswerFields,
} from '../gateway/render.js';
import {
  AT,
  CARD,
  ORIGIN,
  payoutVariants,
  samplePayouts,
  SESSION,
  signed,
} from './answer-samples.js';
import { answerSchema } from './answer-schema-builders.js';
import type { Json } from './schema.js';

/**
 * The XML answers of the gateway methods, as schemas of the `<response>` element's children.
 * The field names, their order and the values of the closed ones come from the code that renders
 * the answers (gateway/render.ts, gateway/gateway-cards.ts), run on sample records in every state
 * they can be in (answer-samples.ts); only the descriptions are written by hand (answer-schema-builders.ts). A field missing from some states is
 * optional; a field a new render adds without a description stops the document from building.
 */

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

import { GatewayErrors } from '../errors.js';
import { cardLinkField, merchantIdField, orderIdField, saltField, userIdField } from './fields.js';
import { type GatewayMethod, M, merchantPath, STATUS_FIELDS, TAGS } from './gateway-shared.js';

/** The status and balance methods (GATEWAY_METHODS in gateway.ts lists them all). */
export const STATUS_GATEWAY_METHODS: readonly GatewayMethod[] = [
  {
    name: 'PaymentStatus2',
    paths: ['/api/payment_status2', '/g2g/payout_status2'],
    tag: TAGS.status,
    summary: "A payout's status (payment_status2, payout_status2)",
    description:
      "By pg_payment_id and/or pg_order_id (docs/gateway/status-and-postbacks.md §1–§3). Another merchant's payouts do not exist for this one: 11068.",
    key: 'payout',
    fields: STATUS_FIELDS,
    anyOf: [['pg_payment_id', 'pg_order_id']],
    answer: 'PaymentStatus2Answer',
    errors: [GatewayErrors.paymentNotFound.code],
    example: { pg_merchant_id: M, pg_order_id: 'order-reg2reg-1', pg_salt: 'a1b2c3d4e5f6071d' },
  },
  {
    name: 'StatusByOrder',
    paths: ['/get_status2.php'],
    tag: TAGS.status,
    summary: 'The deprecated status by order id (get_status2.php)',
    description:
      'Script name "get_status2.php", the path\'s last segment as it is (docs/gateway/signature.md §2).',
    key: 'payout',
    fields: STATUS_FIELDS,
    anyOf: [['pg_payment_id', 'pg_order_id']],
    answer: 'StatusByOrderAnswer',
    errors: [GatewayErrors.paymentNotFound.code],
    example: { pg_merchant_id: M, pg_order_id: 'order-reg2reg-1', pg_salt: 'a1b2c3d4e5f6071e' },
  },
  {
    name: 'LegacyStatus',
    paths: ['/api/payment_status', '/api/iban_payout/payment_status'],
    tag: TAGS.status,
    summary: "The legacy PHP SDK's status (payment_status; getIbanStatus())",
    description:
      'The status the official PHP SDK asks for (Facade::getStatus, getIbanStatus()): the state is in pg_status itself (docs/gateway/status-and-postbacks.md §2). Both paths sign with script "payment_status".',
    key: 'payout',
    fields: STATUS_FIELDS,
    anyOf: [['pg_payment_id', 'pg_order_id']],
    answer: 'LegacyStatusAnswer',
    errors: [GatewayErrors.paymentNotFound.code],
    example: { pg_merchant_id: M, pg_order_id: 'order-reg2reg-1', pg_salt: 'a1b2c3d4e5f6071f' },
  },
  {
    name: 'Balance',
    paths: ['/api/balance_status', '/g2g/balance_status'],
    tag: TAGS.status,
    summary: "The merchant's payout balance (balance_status)",
    description:
      'Set it with POST /__sandbox/merchants/{id}/balance (SANDBOX_OPENING_BALANCE to start with).',
    key: 'payout',
    fields: [
      merchantIdField(),
      saltField('not-empty'),
      {
        name: 'pg_currency',
        required: false,
        description:
          'Read but not used: the sandbox keeps one balance, in KZT (another currency is named in the X-Sandbox-Hint header).',
        example: 'KZT',
      },
    ],
    answer: 'BalanceAnswer',
    errors: [],
    example: { pg_merchant_id: M, pg_salt: 'a1b2c3d4e5f60720' },
  },
  ...(['cardstorage/add', 'cardstorage/add2', 'cardstoragepayout/add'] as const).map(
    (rest): GatewayMethod => ({
      name:
        rest === 'cardstorage/add'
          ? 'CardAdd'
          : rest === 'cardstorage/add2'
            ? 'CardAdd2'
            : 'CardAddPayoutOnly',
      paths: [merchantPath(rest)],
      tag: TAGS.merchantCards,
      summary:
        rest === 'cardstoragepayout/add'
          ? 'Open a session that saves a payout-only card (cardstoragepayout/add, script "add")'
          : `Open a card-saving session (${rest})`,
      description: `Answers the hosted card page's URL; the user types the card there; the card-add callback goes to pg_post_link (docs/gateway/card-storage.md §1–§5).${rest === 'cardstoragepayout/add' ? ' Signed with script "add", as the test host answered, though the docs\' sample says add2.' : ''} pg_merchant_id must be the merchant id in the path (else 9403). Fields beyond these are accepted and signed.`,
      key: 'card-storage',
      fields: [
        merchantIdField(),
        userIdField(true, 'Cards are listed per user.'),
        orderIdField(false, 'Echoed in the answer (empty when not sent).'),
        cardLinkField(
          'pg_post_link',
          false,
          'Where the card-add callback goes; without it, none is sent.',
        ),
        cardLinkField('pg_back_link', true, 'Where the page sends the browser at the end.'),
        saltField('not-blank'),
      ],
      answer: 'CardSessionAnswer',
      errors: [],
      example: {
        pg_merchant_id: M,
        pg_user_id: '42',
        pg_post_link: 'https://merchant.example/cards/notify',
        pg_back_link: 'https://merchant.example/cards/back',
        pg_salt: 'a1b2c3d4e5f60721',
      },
    }),
  ),
];

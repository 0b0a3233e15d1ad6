import { allGatewayErrors, GatewayErrors, type GatewayErrorSpec } from '../errors.js';
import { scriptNameFromPath, sign } from '../signature/signature.js';
import {
  amountField,
  cardLinkField,
  descriptionField,
  EXAMPLE_MERCHANT,
  integerField,
  merchantIdField,
  orderIdField,
  payoutLinkField,
  saltField,
  signatureField,
  textField,
  timeLimitField,
  userIdField,
  type FieldSpec,
  type SigningKey,
} from './fields.js';
import { openApiPath, pathParameter, ref, text, type Json, type Operation } from './schema.js';

/**
 * The gateway methods the sandbox emulates, one entry per method with the Express paths it is
 * served at (http/gateway-routes.ts, payout-routes.ts, payout-page-routes.ts,
 * card-storage-routes.ts, gateway-card-routes.ts). Each path is one operation: its script name is
 * the path's last segment, as the signature check takes it (`scriptNameFromPath`).
 */
export interface GatewayMethod {
  /** The component names: `<name>Request`, and the answer's schema. */
  readonly name: string;
  readonly paths: readonly string[];
  readonly tag: string;
  readonly summary: string;
  readonly description: string;
  readonly key: SigningKey;
  /** Every field but `pg_sig`, which is made from the script name and the key. */
  readonly fields: readonly FieldSpec[];
  /** Groups of fields of which at least one must be sent. */
  readonly anyOf?: readonly (readonly string[])[];
  readonly answer: string;
  /** The catalogue's codes this method answers beside 9998, 1100, 9403 and 9999. */
  readonly errors: readonly number[];
  /** A request the default sandbox accepts, unsigned: the document signs it per path. */
  readonly example: Record<string, string>;
}

export const TAGS = {
  payouts: 'Payouts',
  status: 'Payout status and balance',
  merchantCards: 'Card storage (Merchant API)',
  gatewayCards: 'Card storage (Gateway, PCI)',
  unknown: 'Other gateway paths',
} as const;

const M = EXAMPLE_MERCHANT.id;
const merchantPath = (rest: string): string => `/v1/merchant/:merchantId/${rest}`;

const DECLINES = [
  GatewayErrors.serviceUnavailable.code,
  GatewayErrors.contactIssuer.code,
  GatewayErrors.payoutError.code,
  GatewayErrors.orderExpired.code,
];
const PAYOUT_REFUSALS = [GatewayErrors.insufficientBalance.code, GatewayErrors.duplicateOrder.code];

function payoutCommon(rules: {
  userId: boolean;
  timeLimit: boolean;
  postLink: boolean;
}): FieldSpec[] {
  return [
    merchantIdField(),
    orderIdField(
      true,
      'Taken while a payout for it is ok or process (then 10012); free again after an error.',
    ),
    userIdField(rules.userId),
    amountField(),
    descriptionField(),
    payoutLinkField(
      'pg_post_link',
      rules.postLink,
      rules.postLink
        ? 'Where the payout notify goes when the payout ends (docs/gateway/status-and-postbacks.md §4).'
        : 'Where the payout notify goes; without it, none is sent.',
    ),
    timeLimitField(rules.timeLimit),
    saltField('not-blank'),
  ];
}

const STATUS_FIELDS: FieldSpec[] = [
  merchantIdField(),
  integerField(
    'pg_payment_id',
    false,
    "The payout's pg_payment_id. With pg_order_id too, both must name the same payout.",
  ),
  {
    name: 'pg_order_id',
    required: false,
    description:
      'The order id: the newest payout of the order answers. Send pg_payment_id, pg_order_id or both.',
  },
  saltField('not-empty'),
];

const CARD_NUMBER_TEXT =
  'must also pass the Luhn check; the documented payout test cards (docs/gateway/payouts.md §5) force their outcomes, any other number pays `ok`';

export const GATEWAY_METHODS: readonly GatewayMethod[] = [
  {
    name: 'Reg2reg',
    paths: ['/api/reg2reg', '/g2g/reg2reg'],
    tag: TAGS.payouts,
    summary: 'Token payout to a saved card (reg2reg)',
    description:
      'A payout to a card the user saved (docs/gateway/payouts.md §1). The test cards are saved for every merchant and user (README, "Test cards"); a card that is unknown, removed, or another user\'s or merchant\'s is 10010.',
    key: 'payout',
    fields: [
      ...payoutCommon({ userId: true, timeLimit: true, postLink: true }),
      {
        name: 'pg_card_token_to',
        required: false,
        description:
          "The saved card's token (pg_card_token of the card-add callback or list). This or pg_card_id_to; the token decides when both come.",
        example: '7a3e1a7c-5b0f-4b8e-9d4f-000000000001',
      },
      {
        ...integerField(
          'pg_card_id_to',
          false,
          "The saved card's numeric id (pg_card_id; the legacy SDK sends only this).",
        ),
        example: '1001',
      },
    ],
    anyOf: [['pg_card_token_to', 'pg_card_id_to']],
    answer: 'Reg2regAnswer',
    errors: [GatewayErrors.cardNotFound.code, ...PAYOUT_REFUSALS, ...DECLINES],
    example: {
      pg_merchant_id: M,
      pg_order_id: 'order-reg2reg-1',
      pg_user_id: '42',
      pg_amount: '1500.50',
      pg_description: 'Winnings payout',
      pg_post_link: 'https://merchant.example/payout/notify',
      pg_order_time_limit: '2030-12-31 23:59:59',
      pg_card_token_to: '7a3e1a7c-5b0f-4b8e-9d4f-000000000001',
      pg_salt: 'a1b2c3d4e5f60718',
    },
  },
  {
    name: 'PayoutPage',
    paths: ['/api/reg2nonreg'],
    tag: TAGS.payouts,
    summary: 'Payout page: the recipient types the card number (reg2nonreg)',
    description:
      "Opens the sandbox's payout page at pg_redirect_url; the payout waits (its amount held) until a number is typed there or by POST /__sandbox/payout-pages/{paymentId}/complete (docs/gateway/payouts.md §2).",
    key: 'payout',
    fields: [
      ...payoutCommon({ userId: false, timeLimit: true, postLink: true }),
      payoutLinkField(
        'pg_back_link',
        true,
        'Where the page sends the browser once the payout is done.',
      ),
    ],
    answer: 'PayoutPageAnswer',
    errors: [...PAYOUT_REFUSALS, ...DECLINES],
    example: {
      pg_merchant_id: M,
      pg_order_id: 'order-reg2nonreg-1',
      pg_amount: '250.00',
      pg_description: 'Refund',
      pg_post_link: 'https://merchant.example/payout/notify',
      pg_back_link: 'https://merchant.example/payout/done',
      pg_order_time_limit: '2030-12-31 23:59:59',
      pg_salt: 'a1b2c3d4e5f60719',
    },
  },
  {
    name: 'CardNumberPayout',
    paths: ['/g2g/p2p2nonreg'],
    tag: TAGS.payouts,
    summary: 'Payout by card number (p2p2nonreg)',
    description:
      'A Gateway (PCI) payout to a card number sent in the request (docs/gateway/payouts.md §3).',
    key: 'payout',
    fields: [
      ...payoutCommon({ userId: false, timeLimit: false, postLink: true }),
      {
        name: 'pg_payment_to',
        required: true,
        description: `The card number, 13 to 20 digits, no spaces or dashes; it ${CARD_NUMBER_TEXT}.`,
        rules: { pattern: '^[0-9]{13,20}$' },
        example: '4671593866478252',
      },
      textField(
        'pg_card_name',
        'The holder, e.g. Ivan Ivanov; kept as sent.',
        'Ivan Ivanov',
        false,
      ),
      {
        name: 'pg_currency',
        required: false,
        description:
          'Three letters, e.g. KZT. The sandbox keeps one balance, in KZT: another currency is not converted, only named in the X-Sandbox-Hint header.',
        rules: { pattern: '^[A-Za-z]{3}$' },
        example: 'KZT',
      },
    ],
    answer: 'CardNumberPayoutAnswer',
    errors: [...PAYOUT_REFUSALS, ...DECLINES],
    example: {
      pg_merchant_id: M,
      pg_order_id: 'order-p2p2nonreg-1',
      pg_amount: '100.00',
      pg_description: 'Payout to a card',
      pg_post_link: 'https://merchant.example/payout/notify',
      pg_payment_to: '4671593866478252',
      pg_salt: 'a1b2c3d4e5f6071a',
    },
  },
  {
    name: 'ToIban',
    paths: ['/g2g/to_iban', '/api/to_iban'],
    tag: TAGS.payouts,
    summary: 'Payout to a bank account (to_iban)',
    description:
      "A payout to an IBAN (docs/gateway/payouts.md §4). The sandbox's test IBANs force outcomes: KZ85125KZT0000000001 success, KZ58125KZT0000000002 error 10000, KZ31125KZT0000000003 process then success, KZ04125KZT0000000004 process then error 10001.",
    key: 'payout',
    fields: [
      ...payoutCommon({ userId: false, timeLimit: false, postLink: true }),
      ibanField('pg_recipient_iban'),
      digitsField('pg_recipient_iin', 12, "The recipient's IIN or BIN.", '900101300123'),
      textField('pg_recipient_name', "The recipient's name.", 'IVAN PETROV'),
      digitsField('pg_recipient_kbe', 2, 'The beneficiary code (KBE).', '19'),
      digitsField('pg_knp', 3, 'The payment purpose code (KNP).', '119'),
      textField(
        'pg_bank_bik',
        "The bank's BIK, taken as sent (the docs' samples disagree on its form).",
        'KZZSAE',
      ),
    ],
    answer: 'ToIbanAnswer',
    errors: [...PAYOUT_REFUSALS, ...DECLINES],
    example: {
      pg_merchant_id: M,
      pg_order_id: 'order-to-iban-1',
      pg_amount: '5000.00',
      pg_description: 'Payout to an account',
      pg_post_link: 'https://merchant.example/payout/notify',
      pg_recipient_iban: 'KZ85125KZT0000000001',
      pg_recipient_iin: '900101300123',
      pg_recipient_name: 'IVAN PETROV',
      pg_recipient_kbe: '19',
      pg_knp: '119',
      pg_bank_bik: 'KZZSAE',
      pg_salt: 'a1b2c3d4e5f6071b',
    },
  },
  {
    name: 'IbanPayout',
    paths: ['/api/iban_payout'],
    tag: TAGS.payouts,
    summary: "The legacy PHP SDK's IBAN payout (iban_payout)",
    description:
      "What the official PHP SDK's toIban() sends (to `…//api/iban_payout`: runs of / count as one). pg_order_id is required: getIbanStatus() finds the payout by it (docs/gateway/payouts.md §4, docs/gateway/php-sdk.md §2).",
    key: 'payout',
    fields: [
      ...payoutCommon({ userId: false, timeLimit: false, postLink: false }),
      textField('pg_recipient_bank_bic', "The bank's BIC, taken as sent.", 'KZZSAE'),
      ibanField('pg_recipient_iban'),
      digitsField('pg_recipient_iin_bin', 12, "The recipient's IIN or BIN.", '900101300123'),
      textField('pg_recipient_name', "The recipient's name.", 'IVAN PETROV'),
    ],
    answer: 'IbanPayoutAnswer',
    errors: [...PAYOUT_REFUSALS, ...DECLINES],
    example: {
      pg_merchant_id: M,
      pg_order_id: 'order-iban-payout-1',
      pg_amount: '5000.00',
      pg_description: 'Payout to an account',
      pg_recipient_bank_bic: 'KZZSAE',
      pg_recipient_iban: 'KZ85125KZT0000000001',
      pg_recipient_iin_bin: '900101300123',
      pg_recipient_name: 'IVAN PETROV',
      pg_salt: 'a1b2c3d4e5f6071c',
    },
  },
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
  {
    name: 'CardList',
    paths: [merchantPath('cardstorage/list')],
    tag: TAGS.merchantCards,
    summary: "The user's saved cards (cardstorage/list)",
    description:
      'docs/gateway/card-storage.md §6. pg_merchant_id must be the merchant id in the path.',
    key: 'card-storage',
    fields: [merchantIdField(), userIdField(true), saltField('not-blank')],
    answer: 'CardListAnswer',
    errors: [],
    example: { pg_merchant_id: M, pg_user_id: '42', pg_salt: 'a1b2c3d4e5f60722' },
  },
  {
    name: 'CardRemove',
    paths: [merchantPath('cardstorage/remove')],
    tag: TAGS.merchantCards,
    summary: 'Remove a saved card (cardstorage/remove)',
    description:
      "By pg_card_token or pg_card_id; both may come if they name the same card. A card that is unknown, another user's, a test card or removed already: 10010 (docs/gateway/card-storage.md §7).",
    key: 'card-storage',
    fields: [
      merchantIdField(),
      userIdField(true),
      {
        name: 'pg_card_token',
        required: false,
        description: "The card's token.",
        example: '3f1c8a52-9b4e-4d7a-8c21-5e6f7a8b9c0d',
      },
      integerField('pg_card_id', false, "The card's numeric id (the official SDKs send this)."),
      saltField('not-blank'),
    ],
    anyOf: [['pg_card_token', 'pg_card_id']],
    answer: 'CardRemoveAnswer',
    errors: [GatewayErrors.cardNotFound.code],
    example: {
      pg_merchant_id: M,
      pg_user_id: '42',
      pg_card_token: '3f1c8a52-9b4e-4d7a-8c21-5e6f7a8b9c0d',
      pg_salt: 'a1b2c3d4e5f60723',
    },
  },
  {
    name: 'GatewayCardAdd',
    paths: ['/g2g/cardstorage/add'],
    tag: TAGS.gatewayCards,
    summary: 'Save a card sent in the request (PCI; /g2g/cardstorage/add)',
    description:
      "Answers at once, with no callback. A 3-D Secure card (4916307416334310, 5367654276102126) waits: post the browser to pg_3d_acsurl, type 3ds-pass, then call payment_acs. A card that cannot be saved answers 10000 (or a scenario's code). Completing a saved card by pg_card_token instead of a number is not emulated: 9403 (docs/gateway/card-storage.md §8, §10).",
    key: 'card-storage',
    fields: [
      merchantIdField(),
      userIdField(true),
      orderIdField(false),
      {
        name: 'pg_card_pan',
        required: true,
        description:
          'The card number: 13 to 19 digits once spaces and dashes are dropped, passing the Luhn check. The documented card-storage test cards (docs/gateway/card-storage.md §11) save as documented; any other valid number saves without 3DS.',
        rules: { pattern: '^[0-9\\s-]+$' },
        example: '4716047261941981',
      },
      {
        name: 'pg_card_name',
        required: true,
        description:
          'The holder as printed: Latin letters, spaces, dashes, dots and apostrophes, at least one letter, at most 64 characters once spaces are collapsed.',
        rules: { pattern: "^[A-Za-z .'\\s-]+$" },
        example: 'IVAN PETROV',
      },
      {
        name: 'pg_card_month',
        required: true,
        description: 'The expiry month, 1 to 12 (01 to 12).',
        rules: { pattern: '^\\s*[0-9]{1,2}\\s*$' },
        example: '12',
      },
      {
        name: 'pg_card_year',
        required: true,
        description:
          'The expiry year, two digits (29) or four (2029); with the month, not in the past (sandbox clock).',
        rules: { pattern: '^\\s*(?:[0-9]{2}|20[0-9]{2})\\s*$' },
        example: '29',
      },
      {
        name: 'pg_card_cvc',
        required: true,
        description: 'The CVC, 3 or 4 digits; never stored.',
        rules: { pattern: '^\\s*[0-9]{3,4}\\s*$' },
        example: '123',
      },
      textField('pg_description', 'Accepted and signed; not used.', 'Card for payouts', false),
      saltField('unchecked'),
    ],
    answer: 'GatewayCardAnswer',
    errors: [GatewayErrors.serviceUnavailable.code],
    example: {
      pg_merchant_id: M,
      pg_user_id: '42',
      pg_card_pan: '4716047261941981',
      pg_card_name: 'IVAN PETROV',
      pg_card_month: '12',
      pg_card_year: '2035',
      pg_card_cvc: '123',
      pg_salt: 'a1b2c3d4e5f60724',
    },
  },
  {
    name: 'GatewayCardPaymentAcs',
    paths: ['/g2g/cardstorage/payment_acs'],
    tag: TAGS.gatewayCards,
    summary: "Finish a 3-D Secure card with the issuer's answer (payment_acs)",
    description:
      "After the issuer page posted MD and PaRes to your TermUrl. A pg_payment_id the merchant has no Gateway card session for: 11068; a PaRes the issuer did not give, or a session not waiting: 9403; the password not entered yet: 10004; a wrong password: the session fails with the issuer's code (docs/gateway/card-storage.md §10).",
    key: 'card-storage',
    fields: [
      merchantIdField(),
      {
        ...integerField('pg_payment_id', true, 'The pg_payment_id of the add answer.'),
        example: '1253150432',
      },
      textField(
        'pg_md',
        'The MD the issuer page posted to your TermUrl (pg_3d_md of the add answer).',
        'a3f5df308f10c1466e468b9182201e2a',
      ),
      textField(
        'pg_pares',
        'The PaRes the issuer page posted to your TermUrl, unchanged.',
        'c2FuZGJveC1wYXJlcw==',
      ),
      saltField('unchecked'),
    ],
    answer: 'GatewayCardAnswer',
    errors: [
      GatewayErrors.paymentNotFound.code,
      GatewayErrors.threeDSecureFailed.code,
      GatewayErrors.contactIssuer.code,
    ],
    example: {
      pg_merchant_id: M,
      pg_payment_id: '1253150432',
      pg_md: 'a3f5df308f10c1466e468b9182201e2a',
      pg_pares: 'c2FuZGJveC1wYXJlcw==',
      pg_salt: 'a1b2c3d4e5f60725',
    },
  },
  {
    name: 'GatewayCardList',
    paths: ['/g2g/cardstorage/list'],
    tag: TAGS.gatewayCards,
    summary: "The user's saved cards (PCI; /g2g/cardstorage/list)",
    description: "docs/gateway/card-storage.md §6, the Gateway's shape.",
    key: 'card-storage',
    fields: [merchantIdField(), userIdField(true), saltField('unchecked')],
    answer: 'GatewayCardListAnswer',
    errors: [],
    example: { pg_merchant_id: M, pg_user_id: '42', pg_salt: 'a1b2c3d4e5f60726' },
  },
  {
    name: 'GatewayCardRemove',
    paths: ['/g2g/cardstorage/remove'],
    tag: TAGS.gatewayCards,
    summary: 'Remove a saved card (PCI; /g2g/cardstorage/remove)',
    description:
      "By pg_card_token (or the legacy pg_card_id). A card that is unknown, another user's, a test card or removed already: 10010 (docs/gateway/card-storage.md §7).",
    key: 'card-storage',
    fields: [
      merchantIdField(),
      userIdField(true),
      {
        name: 'pg_card_token',
        required: false,
        description: "The card's token; it decides when both come.",
        example: '3f1c8a52-9b4e-4d7a-8c21-5e6f7a8b9c0d',
      },
      {
        name: 'pg_card_id',
        required: false,
        description:
          "The card's numeric id, digits only (at most 18), read only when no pg_card_token is sent.",
      },
      saltField('unchecked'),
    ],
    anyOf: [['pg_card_token', 'pg_card_id']],
    answer: 'GatewayCardRemoveAnswer',
    errors: [GatewayErrors.cardNotFound.code],
    example: {
      pg_merchant_id: M,
      pg_user_id: '42',
      pg_card_token: '3f1c8a52-9b4e-4d7a-8c21-5e6f7a8b9c0d',
      pg_salt: 'a1b2c3d4e5f60727',
    },
  },
];

function ibanField(name: string): FieldSpec {
  return {
    name,
    required: true,
    description:
      "The recipient's IBAN (ISO 13616): spaces are dropped and letters upper-cased, then two letters, two check digits and the account, passing the mod 97 check; 20 characters for KZ.",
    rules: { pattern: '^[A-Za-z0-9\\s]+$' },
    example: 'KZ85125KZT0000000001',
  };
}

function digitsField(
  name: string,
  length: number,
  description: string,
  example: string,
): FieldSpec {
  return {
    name,
    required: true,
    description: `${description} Exactly ${length} digits.`,
    rules: { pattern: `^[0-9]{${length}}$` },
    example,
  };
}

/**
 * The catch-alls: a path under `/api`, `/g2g` or `/v1/merchant` the sandbox does not emulate
 * gets the gateway's 9992, unsigned, in XML (docs/gateway/errors.md §5).
 */
export const UNKNOWN_GATEWAY_PATHS = [
  '/api',
  '/g2g',
  '/api/*rest',
  '/g2g/*rest',
  '/v1/merchant/*rest',
];

/** The paths as operations, the request schemas, and the error envelope. */
export function gatewayPaths(): { paths: Record<string, Json>; schemas: Record<string, Json> } {
  const paths: Record<string, Json> = {};
  const schemas: Record<string, Json> = { ...errorSchemas() };
  for (const method of GATEWAY_METHODS) {
    schemas[`${method.name}Request`] = requestSchema(method);
    for (const path of method.paths) {
      paths[openApiPath(path)] = {
        description: ANY_METHOD,
        post: operation(method, path),
      };
    }
  }
  for (const path of UNKNOWN_GATEWAY_PATHS) {
    paths[openApiPath(path)] = { description: ANY_METHOD, post: unknownOperation(path) };
  }
  return { paths, schemas };
}

const ANY_METHOD =
  'The gateway answers any HTTP method here; fields come from the form body (multipart/form-data or application/x-www-form-urlencoded, bracket notation nests), the query string, or one pg_xml field holding <request>…</request> (docs/gateway/wire.md §3). Bodies: at most 1 MiB, 500 fields, 64 KB a field.';

function requestSchema(method: GatewayMethod): Json {
  const fields = [...method.fields, signatureField('<script>', method.key)];
  const properties: Record<string, Json> = {};
  for (const field of fields) {
    properties[field.name] =
      field.name === 'pg_sig'
        ? text(
            `md5 of "<script>;<values of every other field sent, by field name>;<secret key>"; each operation's pg_sig says its script name and key (x-sandbox-signature).`,
            field.rules ?? {},
          )
        : text(field.description, {
            ...(field.rules ?? {}),
            ...(field.example !== undefined ? { examples: [field.example] } : {}),
          });
  }
  return {
    type: 'object',
    description:
      'Fields the method does not define are accepted, and signed like every field. A missing or malformed field is refused with 9403, signed, naming every bad field; pg_merchant_id with 9998, pg_sig with 1100.',
    required: fields.filter((field) => field.required).map((field) => field.name),
    ...(method.anyOf
      ? {
          allOf: method.anyOf.map((group) => ({
            description: `At least one of ${group.join(', ')}.`,
            anyOf: group.map((name) => ({ required: [name] })),
          })),
        }
      : {}),
    properties,
    additionalProperties: true,
  };
}

/** The request's fields and their signature, as the default sandbox accepts them. */
export function signedExample(method: GatewayMethod, path: string): Record<string, string> {
  const script = scriptNameFromPath(path);
  return {
    ...method.example,
    pg_sig: sign(script, method.example, EXAMPLE_MERCHANT.secrets[method.key]),
  };
}

function operationId(path: string): string {
  return openApiPath(path)
    .replace(/\{[^}]*\}/g, '')
    .replace(/\.php$/, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function operation(method: GatewayMethod, path: string): Operation {
  const script = scriptNameFromPath(path);
  const sig = signatureField(script, method.key);
  const example = signedExample(method, path);
  const body = {
    schema: {
      allOf: [ref(`${method.name}Request`)],
      properties: { pg_sig: text(sig.description, sig.rules ?? {}) },
    },
    example,
  };
  const parameters: Json[] = [ref('ScenarioHeader', 'parameters')];
  if (path.includes(':merchantId')) {
    parameters.push({
      ...pathParameter(
        'merchantId',
        'The merchant id; it must be pg_merchant_id (the signature covers the field, not the path): else 9403.',
      ),
      example: EXAMPLE_MERCHANT.id,
    });
  }
  return {
    operationId: operationId(path),
    summary: method.summary,
    description: `${method.description}\n\nSigned with script name "${script}" and ${method.key === 'payout' ? "the merchant's payout key" : 'the card storage key (the payment key unless SANDBOX_CARD_STORAGE_KEY=payout)'}; the answer is signed the same way. Errors: ${describeCodes(method.errors)}. The example is signed for the default merchant ${EXAMPLE_MERCHANT.id}.`,
    tags: [method.tag],
    'x-sandbox-signature': { script, key: method.key },
    parameters,
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': body,
        'multipart/form-data': body,
      },
    },
    responses: {
      '200': {
        description:
          "Always HTTP 200 and XML, errors included, as the gateway answers (docs/gateway/wire.md §4): the method's answer, or the error envelope for a refused request.",
        headers: { 'X-Sandbox-Hint': ref('HintHeader', 'headers') },
        content: {
          'application/xml': {
            schema: { anyOf: [ref(method.answer), ref('GatewayError')] },
          },
        },
      },
      '5XX': ref('ScriptedFault', 'responses'),
    },
  };
}

function unknownOperation(path: string): Operation {
  return {
    operationId: `unknown_${operationId(path.replace('*', ''))}`,
    summary: `A method the sandbox does not emulate (${openApiPath(path)})`,
    description:
      'The gateway\'s "called method is not available": 9992, unsigned, in XML; the X-Sandbox-Hint header lists the methods the sandbox has. The hosted card page under /v1/merchant/{merchantId}/cardstorage/view is served as HTML (see its own path).',
    tags: [TAGS.unknown],
    parameters: path.includes('*rest')
      ? [
          pathParameter(
            'rest',
            'Any path below the prefix, one or more segments (Express `*rest`).',
          ),
        ]
      : [],
    responses: {
      '200': {
        description: '9992, unsigned.',
        headers: { 'X-Sandbox-Hint': ref('HintHeader', 'headers') },
        content: { 'application/xml': { schema: ref('GatewayError') } },
      },
    },
  };
}

function describeCodes(extra: readonly number[]): string {
  const codes = [
    GatewayErrors.merchantNotIdentified.code,
    GatewayErrors.invalidSignature.code,
    GatewayErrors.invalidParameters.code,
    GatewayErrors.systemError.code,
    ...extra,
  ];
  return `${codes.join(', ')} (GatewayErrorCode says what each means); a scenario rule may answer any code`;
}

/** The error envelope and the catalogue's codes (errors.ts), each with its meaning. */
function errorSchemas(): Record<string, Json> {
  const catalogue = allGatewayErrors();
  const row = (spec: GatewayErrorSpec): string =>
    `| ${spec.code} | ${spec.description} | ${spec.kind === 'request' ? 'refusal: no payment was made' : 'decline: the payment exists'} | ${spec.signed ? 'yes' : 'no'} |${spec.invented ? ' invented (docs/decisions/0004) |' : ' |'}`;
  return {
    GatewayErrorCode: {
      type: 'string',
      title: 'The error catalogue',
      description: [
        'Every pg_error_code the sandbox answers with, from its one catalogue (emulator/src/errors.ts; docs/gateway/errors.md).',
        '',
        '| Code | Description | Kind | Signed | |',
        '|---|---|---|---|---|',
        ...catalogue.map(row),
      ].join('\n'),
      enum: catalogue.map((spec) => String(spec.code)),
      'x-enumDescriptions': Object.fromEntries(
        catalogue.map((spec) => [String(spec.code), spec.description]),
      ),
    },
    ScriptedErrorCode: {
      type: 'string',
      description:
        'A code outside the catalogue that a scenario rule scripts ("error <code>"), with its own or an empty description.',
      pattern: '^[1-9][0-9]{0,8}$',
    },
    GatewayError: {
      title: 'The error envelope',
      description: `A refused request (docs/gateway/errors.md §1): signed like any answer, except ${GatewayErrors.merchantNotIdentified.code} (merchant unknown, or a body that could not be read), ${GatewayErrors.invalidMerchantNumber.code} and ${GatewayErrors.unknownMethod.code}, which carry no pg_salt or pg_sig. The children of <response>, in this order.`,
      type: 'object',
      xml: { name: 'response' },
      required: ['pg_status', 'pg_error_code', 'pg_error_description', 'pg_datetime'],
      properties: {
        pg_status: { type: 'string', enum: ['error'] },
        pg_error_code: {
          anyOf: [ref('GatewayErrorCode'), ref('ScriptedErrorCode')],
        },
        pg_error_description: text(
          'The catalogue\'s description; 9403 names every bad field after a colon ("Incorrectly passed input parameters: pg_amount must be …").',
        ),
        pg_datetime: text('When the gateway answered, ISO 8601 UTC.'),
        pg_salt: text('A fresh random string (signed answers only).'),
        pg_sig: text(
          "The answer's signature: the request's script name and key (signed answers only).",
        ),
      },
      example: {
        pg_status: 'error',
        pg_error_code: '1100',
        pg_error_description: 'Invalid request signature',
        pg_datetime: '2026-01-15T10:00:00Z',
        pg_salt: 'Zq3xY8wV1uT6sR2p',
        pg_sig: '0ee6c1e2d3b4a5968778695a4b3c2d1e',
      },
    },
  };
}

import { GatewayErrors } from '../errors.js';
import {
  integerField,
  merchantIdField,
  orderIdField,
  saltField,
  textField,
  userIdField,
} from './fields.js';
import { type GatewayMethod, M, merchantPath, TAGS } from './gateway-shared.js';

/** The card storage methods, merchant and gateway (GATEWAY_METHODS in gateway.ts lists them all). */
export const CARD_GATEWAY_METHODS: readonly GatewayMethod[] = [
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

import { DEFAULTS } from '../config/config.js';
import { AMOUNT_PATTERN } from '../payouts/payout.js';
import {
  GATEWAY_INTEGER,
  MAX_AMOUNT_MINOR,
  MAX_POST_LINK_LENGTH,
  USER_ID,
} from '../payouts/request.js';
import { TIME_LIMIT_PATTERN } from '../payouts/time-limit.js';
import type { Json } from './schema.js';

/**
 * The fields of the gateway methods as the sandbox checks them. Where a parser has its rule as a
 * value (`USER_ID`, `GATEWAY_INTEGER`, `AMOUNT_PATTERN`, `TIME_LIMIT_PATTERN`,
 * `MAX_POST_LINK_LENGTH`), the schema is made from that value; the rest is written here from the
 * parsers (payouts/request.ts, gateway/payouts.ts, payout-page.ts, card-storage.ts,
 * gateway-cards.ts, status.ts, cards/card-input.ts), and emulator/test/openapi-fields.test.ts
 * sends each field without its value and with one its schema refuses, and expects the sandbox
 * to refuse it too.
 *
 * The rule for every keyword here: a value the sandbox accepts always fits the schema. Checks a
 * schema cannot say (Luhn, the IBAN's mod 97, a date that exists, the amount's range) are in the
 * description.
 */
export interface FieldSpec {
  readonly name: string;
  readonly required: boolean;
  readonly description: string;
  /** JSON Schema keywords beside `type: string`, each a rule the sandbox enforces. */
  readonly rules?: Json;
  readonly example?: string;
}

/** Which of the merchant's keys signs a method (docs/gateway/signature.md §5). */
export type SigningKey = 'payout' | 'card-storage';

export const KEY_TEXT: Record<SigningKey, string> = {
  payout: "the merchant's payout key (SANDBOX_SECRET_KEY, or secretKey in the merchants file)",
  'card-storage':
    "the merchant's payment key (SANDBOX_PAYMENT_SECRET_KEY, or paymentSecretKey in the merchants file); the payout key instead with SANDBOX_CARD_STORAGE_KEY=payout",
};

/** The default merchant and its keys: the examples are signed with them. */
export const EXAMPLE_MERCHANT = {
  id: DEFAULTS.SANDBOX_MERCHANT_ID,
  secrets: {
    payout: DEFAULTS.SANDBOX_SECRET_KEY,
    'card-storage': DEFAULTS.SANDBOX_PAYMENT_SECRET_KEY,
  } satisfies Record<SigningKey, string>,
} as const;

const NOT_BLANK = '\\S';

/** `pg_merchant_id`: every signed method identifies the merchant by it. */
export function merchantIdField(): FieldSpec {
  return {
    name: 'pg_merchant_id',
    required: true,
    description:
      'The merchant id, digits only (SANDBOX_MERCHANT_ID, 100001 by default, or the merchants file). Missing, sent twice or not configured: 9998, unsigned (the sandbox cannot know the key).',
    rules: { pattern: GATEWAY_INTEGER.source },
    example: EXAMPLE_MERCHANT.id,
  };
}

export function orderIdField(required: boolean, more = ''): FieldSpec {
  return {
    name: 'pg_order_id',
    required,
    description: `The merchant's order id, any text.${required ? ' Not blank.' : ''}${more === '' ? '' : ` ${more}`}`,
    ...(required ? { rules: { pattern: NOT_BLANK } } : {}),
    example: 'order-2026-0001',
  };
}

export function userIdField(required: boolean, more = ''): FieldSpec {
  return {
    name: 'pg_user_id',
    required,
    description: `The merchant's user: 1 to 50 Latin letters, digits, "_" or "-" (the Merchant API's rule for reg2reg; every integer fits).${more === '' ? '' : ` ${more}`}`,
    rules: { pattern: USER_ID.source },
    example: '42',
  };
}

export function amountField(): FieldSpec {
  return {
    name: 'pg_amount',
    required: true,
    description: `The amount in KZT: digits, "." as the decimal separator and at most 2 decimals, from 0.01 to ${MAX_AMOUNT_MINOR / 100} (docs/gateway/payouts.md §1). Above the merchant's payout balance: 10011.`,
    rules: { pattern: AMOUNT_PATTERN.source },
    example: '1500.50',
  };
}

export function descriptionField(): FieldSpec {
  return {
    name: 'pg_description',
    required: true,
    description: 'What the payout is for, any text. Not blank.',
    rules: { pattern: NOT_BLANK },
    example: 'Winnings payout',
  };
}

/** A link the gateway checks as the payout methods do (payouts/request.ts `FieldReader.link`). */
export function payoutLinkField(
  name: 'pg_post_link' | 'pg_back_link',
  required: boolean,
  what: string,
): FieldSpec {
  return {
    name,
    required,
    description: `${what} An absolute http:// or https:// URL of at most ${MAX_POST_LINK_LENGTH} characters.`,
    rules: { format: 'uri', maxLength: MAX_POST_LINK_LENGTH },
    example:
      name === 'pg_post_link'
        ? 'https://merchant.example/payout/notify'
        : 'https://merchant.example/payout/done',
  };
}

/** A link card storage checks (gateway/card-storage.ts): a URL, no length limit. */
export function cardLinkField(
  name: 'pg_post_link' | 'pg_back_link',
  required: boolean,
  what: string,
): FieldSpec {
  return {
    name,
    required,
    description: `${what} An absolute http:// or https:// URL.`,
    rules: { format: 'uri' },
    example:
      name === 'pg_post_link'
        ? 'https://merchant.example/cards/notify'
        : 'https://merchant.example/cards/back',
  };
}

export function timeLimitField(required: boolean): FieldSpec {
  return {
    name: 'pg_order_time_limit',
    required,
    description:
      'By when the payout must happen: "YYYY-MM-DD HH:mm:ss", a date that exists, read in the gateway\'s zone (SANDBOX_TIME_LIMIT_OFFSET, +05:00 by default). Once it has passed, the payout ends in error 360.',
    rules: { pattern: TIME_LIMIT_PATTERN.source },
    example: '2030-12-31 23:59:59',
  };
}

/**
 * `pg_salt` as each parser reads it: the payout and card storage methods refuse a blank one; the
 * status methods only an empty one; the Gateway's card methods do not check it.
 */
export function saltField(check: 'not-blank' | 'not-empty' | 'unchecked'): FieldSpec {
  const base = 'A random string, new for every request; it is signed like every field.';
  switch (check) {
    case 'not-blank':
      return {
        name: 'pg_salt',
        required: true,
        description: `${base} Not blank.`,
        rules: { pattern: NOT_BLANK },
        example: 'a1b2c3d4e5f60718',
      };
    case 'not-empty':
      return {
        name: 'pg_salt',
        required: true,
        description: `${base} Not empty.`,
        rules: { minLength: 1 },
        example: 'a1b2c3d4e5f60718',
      };
    case 'unchecked':
      return {
        name: 'pg_salt',
        required: false,
        description: `${base} The gateway asks for it; the sandbox does not refuse a request without it on this method.`,
        example: 'a1b2c3d4e5f60718',
      };
  }
}

/** `pg_sig`, with the method's script name and key: the whole rule in one description. */
export function signatureField(script: string, key: SigningKey): FieldSpec {
  return {
    name: 'pg_sig',
    required: true,
    description: `md5, 32 hex digits, of "${script};<the values of every other field sent, ordered by field name>;<secret key>": script name "${script}" (the last segment of the path), secret key ${KEY_TEXT[key]}. Values only, never names; fields the method does not define are signed too; nested fields (bracket notation, pg_xml) are walked in name order (docs/gateway/signature.md §1–§4). Missing or wrong: 1100, signed (9998, unsigned, with SANDBOX_SIGNATURE_ERROR=9998); the X-Sandbox-Hint header shows the string the sandbox signed, the key masked.`,
    rules: { pattern: '^[0-9a-fA-F]{32}$' },
  };
}

/** A field that must be digits only, at most 18 of them (an id the gateway keeps as an integer). */
export function integerField(name: string, required: boolean, description: string): FieldSpec {
  return {
    name,
    required,
    description: `${description} Digits only, at most 18.`,
    rules: { pattern: GATEWAY_INTEGER.source },
  };
}

/** A field that must be present and not blank, with no other rule. */
export function textField(
  name: string,
  description: string,
  example: string,
  required = true,
): FieldSpec {
  return {
    name,
    required,
    description: required ? `${description} Not blank.` : description,
    ...(required ? { rules: { pattern: NOT_BLANK } } : {}),
    example,
  };
}

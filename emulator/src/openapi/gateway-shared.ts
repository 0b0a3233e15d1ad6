import { GatewayErrors } from '../errors.js';
import {
  amountField,
  descriptionField,
  EXAMPLE_MERCHANT,
  type FieldSpec,
  integerField,
  merchantIdField,
  orderIdField,
  payoutLinkField,
  saltField,
  type SigningKey,
  timeLimitField,
  userIdField,
} from './fields.js';

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

export const M = EXAMPLE_MERCHANT.id;
export const merchantPath = (rest: string): string => `/v1/merchant/:merchantId/${rest}`;

export const DECLINES = [
  GatewayErrors.serviceUnavailable.code,
  GatewayErrors.contactIssuer.code,
  GatewayErrors.payoutError.code,
  GatewayErrors.orderExpired.code,
];
export const PAYOUT_REFUSALS = [
  GatewayErrors.insufficientBalance.code,
  GatewayErrors.duplicateOrder.code,
];

export function payoutCommon(rules: {
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

export const STATUS_FIELDS: FieldSpec[] = [
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

export const CARD_NUMBER_TEXT =
  'must also pass the Luhn check; the documented payout test cards (docs/gateway/payouts.md §5) force their outcomes, any other number pays `ok`';

export function ibanField(name: string): FieldSpec {
  return {
    name,
    required: true,
    description:
      "The recipient's IBAN (ISO 13616): spaces are dropped and letters upper-cased, then two letters, two check digits and the account, passing the mod 97 check; 20 characters for KZ.",
    rules: { pattern: '^[A-Za-z0-9\\s]+$' },
    example: 'KZ85125KZT0000000001',
  };
}

export function digitsField(
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

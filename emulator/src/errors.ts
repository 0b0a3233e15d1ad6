/**
 * The gateway's error catalogue: every `pg_error_code` the sandbox can answer with, in one place.
 * `source` cites docs/gateway/errors.md and the other files of docs/gateway/; `invented` marks the codes the docs do not give, chosen here
 * (docs/decisions/0004-invented-error-codes.md). `signed: false` only where the gateway cannot
 * know the merchant's key (docs/gateway/errors.md §1).
 */
export interface GatewayErrorSpec {
  readonly code: number;
  readonly description: string;
  readonly signed: boolean;
  /**
   * `request`: the request is refused before a payment exists (answered with the error envelope,
   * nothing stored). `decline`: the payment was made and declined (answered with its payment id).
   */
  readonly kind: 'request' | 'decline';
  readonly source: string;
  readonly invented?: true;
}

export const GatewayErrors = {
  invalidSignature: {
    code: 1100,
    description: 'Invalid request signature',
    signed: true,
    kind: 'request',
    source:
      'docs/gateway/errors.md §2: «Некорректная подпись запроса», signed, in every g2g example',
  },
  invalidParameters: {
    code: 9403,
    description: 'Incorrectly passed input parameters',
    signed: true,
    kind: 'request',
    source: 'docs/gateway/errors.md §2: Async API example; third-party mock',
  },
  unknownMethod: {
    code: 9992,
    description: 'Called method is not available',
    signed: false,
    kind: 'request',
    source:
      'docs/gateway/errors.md §2: third-party list, "called method not activated"; used for unknown paths',
  },
  merchantNotIdentified: {
    code: 9998,
    description: 'Merchant not identified',
    signed: false,
    kind: 'request',
    source: 'docs/gateway/errors.md §1, §2: the only unsigned answer, when the merchant is unknown',
  },
  systemError: {
    code: 9999,
    description: 'System error. The outcome is unknown: check the payment status',
    signed: true,
    kind: 'request',
    source: 'docs/gateway/errors.md §2: generic error; the PHP SDK polls status after it',
  },
  serviceUnavailable: {
    code: 10000,
    description: 'Payment error. Service unavailable, retry later',
    signed: true,
    kind: 'decline',
    source:
      'docs/gateway/errors.md §2, docs/gateway/payouts.md §5: payout test card 5325349472901311',
  },
  contactIssuer: {
    code: 10001,
    description: 'Payment error. Contact the issuing bank',
    signed: true,
    kind: 'decline',
    source:
      'docs/gateway/errors.md §2, docs/gateway/payouts.md §5: payout test cards 4556046085041740, 4532676596620704',
  },
  payoutError: {
    code: 8888,
    description: 'Payout error',
    signed: true,
    kind: 'decline',
    source:
      'docs/gateway/payouts.md §5: payout test card 5543974702876045 (no description documented)',
  },
  urlNotFound: {
    code: 9993,
    description: 'Success, failure or post link URL not found',
    signed: true,
    kind: 'request',
    source: 'docs/gateway/errors.md §2: third-party list',
  },
  actionDisabled: {
    code: 9994,
    description: 'The requested action is disabled in the merchant settings',
    signed: true,
    kind: 'request',
    source: 'docs/gateway/errors.md §2: third-party list',
  },
  testMode: {
    code: 9995,
    description: 'Payment in test mode',
    signed: true,
    kind: 'request',
    source: 'docs/gateway/errors.md §2: third-party list',
  },
  noContract: {
    code: 9996,
    description: 'No valid contract with the merchant',
    signed: true,
    kind: 'request',
    source: 'docs/gateway/errors.md §2: third-party list',
  },
  invalidMerchantNumber: {
    code: 9997,
    description: 'Invalid merchant number',
    signed: false,
    kind: 'request',
    source: 'docs/gateway/errors.md §2: third-party list and mock',
  },
  tooManyCodeAttempts: {
    code: 10003,
    description: 'Too many verification code attempts',
    signed: true,
    kind: 'decline',
    source: 'docs/gateway/errors.md §2: third-party list',
  },
  threeDSecureFailed: {
    code: 10004,
    description: '3-D Secure was not entered or is wrong',
    signed: true,
    kind: 'decline',
    source: 'docs/gateway/errors.md §2: third-party list',
  },
  wrongCardData: {
    code: 10005,
    description: 'Wrong card data',
    signed: true,
    kind: 'decline',
    source: 'docs/gateway/errors.md §2: third-party list',
  },
  frequencyLimit: {
    code: 10006,
    description: 'Payment frequency limit exceeded',
    signed: true,
    kind: 'decline',
    source: 'docs/gateway/errors.md §2: third-party list',
  },
  securityViolation: {
    code: 10007,
    description: 'Declined: card data security violation',
    signed: true,
    kind: 'decline',
    source: 'docs/gateway/errors.md §2: third-party list',
  },
  securityDecline: {
    code: 10045,
    description: 'Charge from card declined due to security reasons.',
    signed: true,
    kind: 'decline',
    source: 'docs/gateway/errors.md §2: Async API example',
  },
  orderExpired: {
    code: 360,
    description: 'Transaction expired',
    signed: true,
    kind: 'decline',
    source:
      'docs/gateway/errors.md §3: legacy PayBox list, "transaction expired"; used when pg_order_time_limit passes',
  },
  paymentNotFound: {
    code: 11068,
    description: 'Payment not found.',
    signed: true,
    kind: 'request',
    source: 'docs/gateway/status-and-postbacks.md §3, docs/gateway/errors.md §2: status methods',
  },
  cardNotFound: {
    code: 10010,
    description: 'Recipient card not found',
    signed: true,
    kind: 'request',
    source: 'none: the docs give no code for an unknown card token or id',
    invented: true,
  },
  insufficientBalance: {
    code: 10011,
    description: 'Insufficient funds on the payout balance',
    signed: true,
    kind: 'request',
    source: 'none: the docs give no code for a payout above the balance',
    invented: true,
  },
  duplicateOrder: {
    code: 10012,
    description: 'A payment with this pg_order_id already exists',
    signed: true,
    kind: 'request',
    source: 'none: the docs give no code for a reused pg_order_id',
    invented: true,
  },
} as const satisfies Record<string, GatewayErrorSpec>;

const byCode = new Map<number, GatewayErrorSpec>(
  Object.values(GatewayErrors).map((spec) => [spec.code, spec]),
);

/** The catalogue entry for a code, for outcomes that name a code only. */
export function gatewayErrorByCode(code: number): GatewayErrorSpec | undefined {
  return byCode.get(code);
}

export function allGatewayErrors(): GatewayErrorSpec[] {
  return [...byCode.values()];
}

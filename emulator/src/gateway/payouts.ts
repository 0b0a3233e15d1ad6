import { luhnValid } from '../cards/card-input.js';
import type { Merchant } from '../merchants/merchants.js';
import { ibanProblem } from '../payouts/iban.js';
import type { Payout } from '../payouts/payout.js';
import { FieldReader, type ParsedPayoutRequest } from '../payouts/request.js';
import type { Fields } from '../signature/signature.js';
import type { GatewayAnswer, GatewayCall, GatewayEnvelope } from './envelope.js';
import type { Gateway, MadePayoutAnswer } from './gateway.js';
import {
  BALANCE_CURRENCY,
  FIELDS_AFTER_SIGNATURE,
  payoutAnswerFields,
  type AnswerPlace,
} from './render.js';
import type { StatusGateway } from './status.js';

/**
 * The payouts by card number and to a bank account (docs/gateway/payouts.md §3, §4): the fields each
 * method takes, mapped once into a `PayoutRequest`; everything past the fields (signature,
 * ledger, order ids, scenarios, faults, latency, notify) is the shared `Gateway.payoutMethod`.
 */
export interface PayoutMethodsDeps {
  readonly gateway: Gateway;
  readonly status: StatusGateway;
  readonly envelope: GatewayEnvelope;
}

export class PayoutMethods {
  constructor(private readonly deps: PayoutMethodsDeps) {}

  /** `POST /g2g/p2p2nonreg` (script `p2p2nonreg`, payout key): a payout to a card number. */
  p2p2nonreg(call: GatewayCall): Promise<GatewayAnswer> {
    return this.deps.gateway.payoutMethod(
      call,
      parseCardNumberPayout,
      this.answer({}, (payout) => currencyHint(payout.request)),
    );
  }

  /** `POST /g2g/to_iban` and `/api/to_iban` (script `to_iban`): a payout to an IBAN. */
  toIban(call: GatewayCall): Promise<GatewayAnswer> {
    return this.deps.gateway.payoutMethod(call, parseToIban, this.answer());
  }

  /**
   * The legacy SDK's `POST /api/iban_payout` (script `iban_payout`; the SDK sends it to
   * `…//api/iban_payout`, answered as the single-slash path). `origin` is where the request came
   * in: `pg_redirect_url` is built on it.
   */
  ibanPayout(call: GatewayCall, origin: string): Promise<GatewayAnswer> {
    return this.deps.gateway.payoutMethod(
      call,
      parseLegacyIbanPayout,
      this.answer({ origin }, (payout) =>
        payout.postLink === ''
          ? 'no pg_post_link was sent, so no notify will be; ask POST /api/iban_payout/payment_status (getIbanStatus()) for the outcome'
          : undefined,
      ),
    );
  }

  /**
   * `POST /api/iban_payout/payment_status` (script `payment_status`), the SDK's
   * `getIbanStatus()`: the legacy status by order id (or payment id), its state in `pg_status`,
   * as `/api/payment_status` answers it (render.ts `legacyStatusFields`).
   */
  ibanPayoutStatus(call: GatewayCall): Promise<GatewayAnswer> {
    return this.deps.status.legacyPaymentStatus(call);
  }

  /**
   * Signs the method's answer (render.ts) with the payout's seal, puts the fields its example
   * shows after `pg_sig` there, and adds what the developer should know.
   */
  private answer(
    place: AnswerPlace = {},
    hintOf: (payout: Payout) => string | undefined = () => undefined,
  ): (script: string, merchant: Merchant, payout: Payout) => MadePayoutAnswer {
    return (script, merchant, payout) => {
      const signed = this.deps.envelope.sign(
        script,
        merchant,
        payoutAnswerFields(payout, place),
        payout.answerSeal.badSignature ?? false,
        payout.answerSeal.salt,
      );
      const hint = hintOf(payout);
      return {
        fields: moveToEnd(signed, FIELDS_AFTER_SIGNATURE[payout.method] ?? []),
        ...(hint !== undefined ? { hint } : {}),
      };
    };
  }
}

function moveToEnd(
  fields: Record<string, string>,
  names: readonly string[],
): Record<string, string> {
  const before: Record<string, string> = {};
  const after: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    (names.includes(name) ? after : before)[name] = value;
  }
  return { ...before, ...after };
}

/** A documented payout test card that pays (docs/gateway/payouts.md §5), for messages. */
const EXAMPLE_PAN = '4671593866478252';

/**
 * `pg_payment_to`: "minimum 13, maximum 20" digits (docs/gateway/payouts.md §3), and the Luhn check. The docs say nothing
 * of Luhn; every documented test card passes it, and a number that fails it cannot be a card, so
 * the sandbox says so at once rather than pay it (README, "Payouts by card number").
 */
export function panProblem(pan: string): string | undefined {
  if (!/^[0-9]+$/.test(pan)) {
    return `must be the card number, digits only (no spaces or dashes), e.g. ${EXAMPLE_PAN}`;
  }
  if (pan.length < 13 || pan.length > 20) {
    return `must be 13 to 20 digits (it has ${pan.length})`;
  }
  if (!luhnValid(pan)) {
    return `fails the Luhn check, so a digit is mistyped; every payout test card passes it, e.g. ${EXAMPLE_PAN}`;
  }
  return undefined;
}

/**
 * p2p2nonreg (docs/gateway/payouts.md §3): `pg_payment_to` (the card number), `pg_description` and `pg_post_link`
 * required; `pg_user_id`, `pg_card_name` and `pg_currency` optional. Other fields are accepted
 * and signed like every field.
 */
export function parseCardNumberPayout(fields: Fields): ParsedPayoutRequest {
  const reader = new FieldReader(fields);
  const common = reader.common('p2p2nonreg', {
    userId: 'optional',
    timeLimit: 'optional',
    postLink: 'required',
  });
  const pan = reader.required('pg_payment_to');
  const panWrong = pan ? panProblem(pan) : undefined;
  if (panWrong) reader.problem('pg_payment_to', panWrong);
  const holder = reader.optional('pg_card_name');
  const currency = reader.optional('pg_currency');
  if (currency && !/^[A-Za-z]{3}$/.test(currency)) {
    reader.problem(
      'pg_currency',
      `must be a three-letter currency code such as ${BALANCE_CURRENCY}`,
    );
  }
  return reader.result(common, {
    kind: 'card-number',
    pan,
    ...(holder.trim() !== '' ? { holder } : {}),
  });
}

/** The sandbox keeps one balance; a payout in another currency is taken from it all the same. */
function currencyHint(fields: Fields): string | undefined {
  const currency = fields.pg_currency;
  return typeof currency === 'string' &&
    currency !== '' &&
    currency.toUpperCase() !== BALANCE_CURRENCY
    ? `the sandbox keeps one payout balance, in ${BALANCE_CURRENCY}; pg_currency=${currency} was not used`
    : undefined;
}

/**
 * to_iban (docs/gateway/payouts.md §4): every field required. The IBAN is checked (ISO 13616 mod 97, KZ length 20:
 * payouts/iban.ts); the IIN/BIN is 12 digits, KBE 2, KNP 3. The bank's BIK is taken as sent:
 * its samples disagree (`KZZSAE` in the docs, 8 characters in real BICs).
 */
export function parseToIban(fields: Fields): ParsedPayoutRequest {
  const reader = new FieldReader(fields);
  const common = reader.common('to_iban', {
    userId: 'optional',
    timeLimit: 'optional',
    postLink: 'required',
  });
  const iban = ibanField(reader, 'pg_recipient_iban');
  const iin = digitsField(reader, 'pg_recipient_iin', 12, "the recipient's IIN or BIN");
  const name = reader.required('pg_recipient_name');
  const kbe = digitsField(reader, 'pg_recipient_kbe', 2, 'the beneficiary code (KBE), e.g. 19');
  const knp = digitsField(reader, 'pg_knp', 3, 'the payment purpose code (KNP), e.g. 119');
  const bik = reader.required('pg_bank_bik');
  return reader.result(common, { kind: 'iban', iban, iin, name, bik, kbe, knp });
}

/**
 * The legacy SDK's iban_payout (docs/gateway/php-sdk.md §2): `pg_recipient_bank_bic`, `pg_recipient_iban`,
 * `pg_recipient_iin_bin`, `pg_recipient_name`, amount and description. The SDK sends the order
 * id only when set; the sandbox requires it, since `getIbanStatus()` finds the payout by it. No
 * post link is required (the SDK's example sets none): then no notify is sent.
 */
export function parseLegacyIbanPayout(fields: Fields): ParsedPayoutRequest {
  const reader = new FieldReader(fields);
  const common = reader.common('iban_payout', {
    userId: 'optional',
    timeLimit: 'optional',
    postLink: 'optional',
  });
  const bik = reader.required('pg_recipient_bank_bic');
  const iban = ibanField(reader, 'pg_recipient_iban');
  const iin = digitsField(reader, 'pg_recipient_iin_bin', 12, "the recipient's IIN or BIN");
  const name = reader.required('pg_recipient_name');
  return reader.result(common, { kind: 'iban', iban, iin, name, bik });
}

function ibanField(reader: FieldReader, name: string): string {
  const iban = reader.required(name);
  const problem = iban ? ibanProblem(iban) : undefined;
  if (problem) reader.problem(name, problem);
  return iban;
}

function digitsField(reader: FieldReader, name: string, length: number, what: string): string {
  const value = reader.required(name);
  if (value && !new RegExp(`^[0-9]{${length}}$`).test(value)) {
    reader.problem(name, `must be ${length} digits: ${what}`);
  }
  return value;
}

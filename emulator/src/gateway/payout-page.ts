import { payoutPageAnswerFields } from './render.js';
import { luhnValid } from '../cards/card-input.js';
import { TEST_CARDS } from '../cards/test-cards.js';
import { GatewayErrors } from '../errors.js';
import type { Merchant } from '../merchants/merchants.js';
import type { Payout } from '../payouts/payout.js';
import { FieldReader, type ParsedPayoutRequest } from '../payouts/request.js';
import type { Fields } from '../signature/signature.js';
import type { GatewayAnswer, GatewayCall, GatewayEnvelope } from './envelope.js';
import type { Gateway, MadePayoutAnswer } from './gateway.js';

/**
 * The payout page (docs/gateway/payouts.md §2): `POST /api/reg2nonreg` makes a payout that waits for the
 * recipient to type a card number at `pg_redirect_url`; the page then pays to it. This file is the
 * method (fields, answer) and the one rule for the typed number; the page is in
 * http/payout-page-routes.ts, the payout's life in payouts/service.ts and payouts/payout-endings.ts (docs/decisions/0013).
 */
export interface PayoutPageGatewayDeps {
  readonly gateway: Gateway;
  readonly envelope: GatewayEnvelope;
  /** The page's path for a payout's page id (the route module owns it). */
  readonly pagePath: (viewId: string) => string;
}

export class PayoutPageGateway {
  constructor(private readonly deps: PayoutPageGatewayDeps) {}

  /**
   * `POST /api/reg2nonreg` (script `reg2nonreg`, payout key). The checks, refusals, scenario
   * faults and latency are reg2reg's (`Gateway.payoutMethod`); the answer is the page's URL at
   * `origin`, the origin the merchant's server reached the sandbox at, so a browser can follow it.
   */
  reg2nonreg(call: GatewayCall, origin: string): Promise<GatewayAnswer> {
    return this.deps.gateway.payoutMethod(
      call,
      parsePayoutPageRequest,
      (script, merchant, payout) => this.answer(script, merchant, payout, origin),
    );
  }

  private answer(
    script: string,
    merchant: Merchant,
    payout: Payout,
    origin: string,
  ): MadePayoutAnswer {
    const { destination } = payout;
    if (destination.kind !== 'payout-page') {
      throw new TypeError(`reg2nonreg made payout ${payout.paymentId} to a ${destination.kind}`);
    }
    const fields = this.deps.envelope.sign(
      script,
      merchant,
      payoutPageAnswerFields(payout, `${origin}${this.deps.pagePath(destination.viewId)}`),
      payout.answerSeal.badSignature ?? false,
      payout.answerSeal.salt,
    );
    const expired =
      payout.pendingFinal?.error?.code === GatewayErrors.orderExpired.code &&
      payout.pendingFinal.dueAt <= payout.createdAt;
    return {
      fields,
      ...(expired
        ? {
            hint: `pg_order_time_limit ${payout.orderTimeLimit} has passed (read in the zone of SANDBOX_TIME_LIMIT_OFFSET, +05:00 by default): the page ends in error ${GatewayErrors.orderExpired.code} at once and the amount goes back; send a time limit in the future`,
          }
        : {}),
    };
  }
}

/**
 * The fields of the signature sample (docs/gateway/payouts.md §2) are all required; `pg_user_id` may be sent. Fields
 * beyond these (the SDK's, a merchant's own) are accepted and signed like every field.
 */
export function parsePayoutPageRequest(fields: Fields): ParsedPayoutRequest {
  const reader = new FieldReader(fields);
  const common = reader.common('reg2nonreg', {
    userId: 'optional',
    timeLimit: 'required',
    postLink: 'required',
  });
  const backLink = reader.link('pg_back_link', true);
  return reader.result(common, { kind: 'payout-page', backLink });
}

export { payoutPageAnswerFields };

/** A payout test card that pays (docs/gateway/payouts.md §5), named in messages so it can be copied. */
const EXAMPLE_PAN = TEST_CARDS[0]?.pan ?? '4671593866478252';
const PAN_LENGTH = { min: 13, max: 19 } as const;

export type TypedPan =
  { readonly ok: true; readonly pan: string } | { readonly ok: false; readonly error: string };

/**
 * The number the recipient typed: spaces and dashes dropped, then 13 to 19 digits passing the
 * Luhn check (the card page's rule). The message says what to type instead.
 */
export function readTypedPan(typed: string): TypedPan {
  const pan = typed.replace(/[\s-]/g, '');
  const type = `type the ${PAN_LENGTH.min} to ${PAN_LENGTH.max} digits of the card the payout goes to, e.g. ${EXAMPLE_PAN}`;
  if (pan === '') return { ok: false, error: `The card number is empty: ${type}.` };
  if (!/^\d+$/.test(pan)) {
    return {
      ok: false,
      error: `The card number may hold only digits, spaces and dashes: ${type}.`,
    };
  }
  if (pan.length < PAN_LENGTH.min || pan.length > PAN_LENGTH.max) {
    return { ok: false, error: `The card number has ${pan.length} digits: ${type}.` };
  }
  if (!luhnValid(pan)) {
    return {
      ok: false,
      error: `The card number fails the Luhn check, so a digit is mistyped: check it against the card, or use a test card such as ${EXAMPLE_PAN}.`,
    };
  }
  return { ok: true, pan };
}

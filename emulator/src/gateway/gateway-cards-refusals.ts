import type { CardSession } from '../cards/card-session.js';
import { GatewayErrors, gatewayErrorByCode, type GatewayErrorSpec } from '../errors.js';
import type { Merchant } from '../merchants/merchants.js';
import type { Decision } from '../payouts/outcome.js';
import type { GatewayAnswer } from './envelope.js';
import type { FieldReader } from './gateway-cards-fields.js';
import { orderOf, type CardAnswerDeps } from './gateway-cards-answers.js';

/** The error answers of the Gateway's card methods (gateway-cards.ts). */

/** What an error answer needs of GatewayCardsDeps: the envelope, and the key that signs it. */
type CardRefusalDeps = CardAnswerDeps;

/**
 * The docs/gateway/card-storage.md §10 error sample's text for 10000, used when a card cannot be added and no scenario gave a
 * text of its own: the Gateway's card methods answer in Russian where the payout catalogue's
 * samples are English.
 */
export const CARD_ADD_DECLINED_TEXT = 'Ошибка оплаты. Повторите попытку позже.';

/** The error of a session that ended without a card: its code, in the docs/gateway/card-storage.md §10 sample's shape. */
export function sessionFailure(
  deps: CardRefusalDeps,
  script: string,
  merchant: Merchant,
  session: CardSession,
  decision: Decision,
): GatewayAnswer {
  const outcome = decision.outcome;
  const code = outcome.status === 'error' ? outcome.code : (session.failure?.code ?? 10000);
  const own = outcome.status === 'error' ? outcome.description : undefined;
  const description =
    own ??
    (code === GatewayErrors.serviceUnavailable.code
      ? CARD_ADD_DECLINED_TEXT
      : (session.failure?.description ?? gatewayErrorByCode(code)?.description ?? ''));
  const spec: GatewayErrorSpec = gatewayErrorByCode(code) ?? {
    code,
    description,
    signed: true,
    kind: 'decline',
    source: 'a scenario rule',
  };
  return {
    ...deps.envelope.error(spec, script, merchant, {
      description,
      reason: decision.reason,
      key: deps.key,
      wrongSignature: decision.fault?.type === 'bad-signature',
    }),
    ...orderOf(session),
    paymentId: session.paymentId,
  };
}

export function notWaiting(
  session: CardSession,
  refuse: (spec: GatewayErrorSpec, details: string, hint: string) => GatewayAnswer,
): GatewayAnswer {
  const id = session.paymentId;
  switch (session.state) {
    case 'approved':
      return refuse(
        GatewayErrors.invalidParameters,
        `payment ${id} is not waiting for 3-D Secure: the card was saved`,
        `the card of payment ${id} was saved already (pg_card_token ${session.cardToken ?? ''}); list the user's cards with /g2g/cardstorage/list`,
      );
    case 'failed':
      return refuse(
        GatewayErrors.invalidParameters,
        `payment ${id} is not waiting for 3-D Secure: it failed`,
        `the session of payment ${id} failed (${session.failure?.code ?? ''} ${session.failure?.description ?? ''}); add the card again with /g2g/cardstorage/add`,
      );
    case 'created':
    case 'awaiting-3ds':
      return refuse(
        GatewayErrors.invalidParameters,
        `payment ${id} is not waiting for the issuer's answer`,
        `payment ${id} is ${session.state}; payment_acs is only for an add answered with pg_3ds 1, once the issuer page posted PaRes to your TermUrl`,
      );
  }
}

export function invalidFields(
  deps: CardRefusalDeps,
  script: string,
  merchant: Merchant,
  reader: FieldReader,
  orderId?: string,
): GatewayAnswer {
  const details = reader.describe();
  const spec = GatewayErrors.invalidParameters;
  return deps.envelope.error(spec, script, merchant, {
    description: `${spec.description}: ${details}`,
    reason: 'request validation',
    hint: `fix the fields: ${details}`,
    key: deps.key,
    ...(orderId !== undefined && orderId !== '' ? { orderId } : {}),
  });
}

export function storeFailed(
  deps: CardRefusalDeps,
  script: string,
  merchant: Merchant,
  error: unknown,
  orderId?: string,
): GatewayAnswer {
  return deps.envelope.error(GatewayErrors.systemError, script, merchant, {
    reason: 'store write failed',
    hint: `the sandbox could not store the card (${(error as Error).message}); check the data file's disk and permissions, then list the user's cards`,
    key: deps.key,
    ...(orderId !== undefined && orderId !== '' ? { orderId } : {}),
  });
}

/** payment_acs's answer when `pg_payment_id` names no Gateway card session of this merchant. */
export function noSuchSession(
  deps: CardRefusalDeps,
  script: string,
  merchant: Merchant,
  session: CardSession | undefined,
  paymentId: number,
): GatewayAnswer {
  return deps.envelope.error(GatewayErrors.paymentNotFound, script, merchant, {
    reason: 'payment_acs: no such Gateway card session',
    hint: !session
      ? `no card was added with pg_payment_id ${paymentId}; send the pg_payment_id of the /g2g/cardstorage/add answer`
      : session.merchantId !== merchant.id
        ? `pg_payment_id ${paymentId} belongs to another merchant`
        : `pg_payment_id ${paymentId} was opened by the Merchant API's cardstorage/add: its 3-D Secure ends on the hosted page, not in payment_acs`,
    key: deps.key,
  });
}

/** How payment_acs refuses a session that does not wait for this PaRes: it keeps waiting. */
export function refuser(
  deps: CardRefusalDeps,
  script: string,
  merchant: Merchant,
  session: CardSession,
  paymentId: number,
): (spec: GatewayErrorSpec, details: string, hint: string, reason?: string) => GatewayAnswer {
  return (
    spec: GatewayErrorSpec,
    details: string,
    hint: string,
    reason = 'payment_acs refused',
  ): GatewayAnswer => ({
    ...deps.envelope.error(spec, script, merchant, {
      description: `${spec.description}: ${details}`,
      reason,
      hint,
      key: deps.key,
    }),
    ...orderOf(session),
    paymentId,
  });
}

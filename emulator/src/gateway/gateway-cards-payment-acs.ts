import type { CardStorage } from '../cards/card-storage.js';
import type { Clock } from '../clock.js';
import { GatewayErrors } from '../errors.js';
import type { GatewayAnswer, GatewayCall } from './envelope.js';
import {
  gatewayCardAnswerFields,
  orderOf,
  signCardAnswer,
  type CardAnswerDeps,
} from './gateway-cards-answers.js';
import { FieldReader } from './gateway-cards-fields.js';
import {
  invalidFields,
  notWaiting,
  noSuchSession,
  refuser,
  sessionFailure,
  storeFailed,
} from './gateway-cards-refusals.js';

/** What `payment_acs` needs of GatewayCardsDeps: the answer's signing, the card storage and the clock. */
export interface PaymentAcsDeps extends CardAnswerDeps {
  readonly cards: CardStorage;
  readonly clock: Clock;
}

/**
 * `POST /g2g/cardstorage/payment_acs` (GatewayCards.paymentAcs, signed with `script`): the
 * merchant brings back the issuer's `PaRes` (and `MD`). The PaRes the issuer page gave ends the
 * session as the issuer decided; anything else is refused and the session keeps waiting.
 */
export async function completeGatewayAcs(
  deps: PaymentAcsDeps,
  call: GatewayCall,
  script: string,
): Promise<GatewayAnswer> {
  const identified = deps.envelope.authenticate(call, script, deps.key);
  if (!identified.ok) return identified.answer;
  const { merchant } = identified;

  const reader = new FieldReader(call.fields);
  const paymentId = reader.integer('pg_payment_id');
  const md = reader.required(
    'pg_md',
    'is required: send the MD the issuer page posted to your TermUrl (pg_3d_md of the add answer)',
  );
  const pares = reader.required(
    'pg_pares',
    'is required: send the PaRes the issuer page posted to your TermUrl',
  );
  if (reader.problems.length > 0 || paymentId === undefined) {
    return invalidFields(deps, script, merchant, reader);
  }

  const session = await deps.cards.session(paymentId);
  if (!session || session.merchantId !== merchant.id || session.variant !== 'gateway') {
    return noSuchSession(deps, script, merchant, session, paymentId);
  }
  const refuse = refuser(deps, script, merchant, session, paymentId);
  if (session.state !== 'awaiting-3ds') return notWaiting(session, refuse);
  if (md !== session.viewId) {
    return refuse(
      GatewayErrors.invalidParameters,
      `pg_md is not the MD of payment ${paymentId}`,
      `send as pg_md the MD the issuer page posted to your TermUrl, which is the pg_3d_md of the add answer (${session.viewId}); the card still waits for 3-D Secure`,
    );
  }

  let result: Awaited<ReturnType<CardStorage['completeAcs']>>;
  try {
    result = await deps.cards.completeAcs(session, pares);
  } catch (error) {
    return storeFailed(deps, script, merchant, error, session.orderId);
  }
  switch (result.kind) {
    case 'wrong-pares':
      return session.issuer
        ? refuse(
            GatewayErrors.invalidParameters,
            `pg_pares is not the PaRes the issuer gave for payment ${paymentId}`,
            'send as pg_pares the PaRes field the issuer page posted to your TermUrl, unchanged (URL-decoded once); the card still waits for 3-D Secure',
          )
        : refuse(
            GatewayErrors.threeDSecureFailed,
            `the issuer has not answered for payment ${paymentId} yet`,
            'the 3-D Secure password was not entered yet: post the browser to pg_3d_acsurl with MD, PaReq and TermUrl, let the user type the password (3ds-pass passes), then send the PaRes posted to your TermUrl; the card still waits for 3-D Secure',
          );
    case 'approved':
      return {
        fields: signCardAnswer(
          deps,
          script,
          merchant,
          gatewayCardAnswerFields(
            result.session,
            { kind: 'saved', card: result.card },
            deps.clock.now(),
          ),
          result.decision,
        ),
        merchantId: merchant.id,
        ...orderOf(result.session),
        paymentId,
        outcome: 'ok',
        reason: result.decision.reason,
      };
    case 'failed':
      return {
        ...sessionFailure(deps, script, merchant, result.session, result.decision),
        hint: `the issuer refused 3-D Secure (${result.decision.reason}); the card was not saved: add it again with /g2g/cardstorage/add`,
      };
    case 'closed':
    case 'invalid':
    case '3ds':
      return notWaiting(result.session, refuse);
  }
}

import { isoSeconds, type Clock } from '../clock.js';
import { cardMask, gatewayListHash, type SavedCard } from '../cards/card.js';
import type { CardSession } from '../cards/card-session.js';
import type { Merchant, SecretKeyKind } from '../merchants/merchants.js';
import type { Decision } from '../payouts/outcome.js';
import { gatewayTime, type GatewayAnswer, type GatewayEnvelope } from './envelope.js';

/** The answers of the Gateway's card methods (gateway-cards.ts): their fields, signing and shaping. */

/** What an answer needs of GatewayCardsDeps: the envelope, and the key that signs it. */
export interface CardAnswerDeps {
  readonly envelope: GatewayEnvelope;
  readonly key: SecretKeyKind;
}

/** Where the simulated issuer's page lives: the path the docs' samples show (docs/gateway/card-storage.md §10). */
export const ISSUER_PAGE_PATH = '/v2/user/3ds-page';

/** What the merchant's browser posts to the issuer's page (`MD`, `PaReq`; `TermUrl` is its own). */
export interface ThreeDsRequest {
  readonly acsUrl: string;
  readonly md: string;
  readonly paReq: string;
}

/**
 * The 3DS request of a Gateway session waiting for the issuer. `MD` is the session's page id (the
 * issuer page posts it back unchanged, `payment_acs` checks it); `PaReq` is opaque, as the real
 * one is to a merchant.
 */
export function threeDsRequestOf(session: CardSession, origin: string): ThreeDsRequest {
  return {
    acsUrl: `${origin}${ISSUER_PAGE_PATH}/${session.viewId}`,
    md: session.viewId,
    paReq: Buffer.from(`sandbox-pareq:${session.paymentId}:${session.viewId}`, 'utf8').toString(
      'base64',
    ),
  };
}

/**
 * The answer of `add` and `payment_acs` (docs/gateway/card-storage.md §10), in the documented order. A card waiting for the
 * issuer answers `pg_status` `ok` with `pg_3ds` 1, as the Gateway's card payment does, with no
 * token yet and the issuer's `pg_3d_md` and `pg_3d_pareq` after `pg_3d_acsurl` (the docs/gateway/card-storage.md §10 list
 * does not name them, but the merchant must post them to the ACS and send `MD` back as `pg_md`).
 */
export function gatewayCardAnswerFields(
  session: CardSession,
  view:
    | { readonly kind: 'saved'; readonly card: SavedCard }
    | { readonly kind: '3ds'; readonly pan: string; readonly request: ThreeDsRequest },
  now: number,
): Record<string, string> {
  const saved = view.kind === 'saved';
  return {
    pg_payment_id: String(session.paymentId),
    pg_order_id: session.orderId,
    pg_status: 'ok',
    pg_card_mask: cardMask(saved ? view.card.pan : view.pan),
    pg_card_token: saved ? view.card.token : '',
    pg_3ds: (saved ? view.card.threeDs : true) ? '1' : '0',
    pg_3d_acsurl: saved ? '' : view.request.acsUrl,
    ...(saved ? {} : { pg_3d_md: view.request.md, pg_3d_pareq: view.request.paReq }),
    pg_user_id: session.userId,
    // F: saved without a challenge; C: the issuer asked (or asks) for the password.
    pg_secure_details: (saved ? view.card.threeDs : true) ? 'C' : 'F',
    pg_datetime: gatewayTime(now),
  };
}

/** A saved card as `/g2g/cardstorage/list` shows it (docs/gateway/card-storage.md §6, Gateway column). */
export function gatewayListedCardFields(card: SavedCard): Record<string, string> {
  return {
    pg_card_token: card.token,
    pg_card_hash: gatewayListHash(card.pan),
    pg_status: 'approved',
    // Every card the sandbox saves has its holder, expiry and CVC checked: nothing to enrich.
    pg_is_filled: '1',
    created_at: isoSeconds(card.createdAt),
  };
}

/**
 * A scenario's answer shaping: its latency on the sandbox clock, and a transport fault the
 * HTTP layer renders. The card step has happened by then (as `when: after`): the merchant
 * must list the user's cards to learn what became of it.
 */
export async function shaped(
  clock: Clock,
  answer: GatewayAnswer,
  decision: Decision,
): Promise<GatewayAnswer> {
  if (decision.latencyMs !== undefined && decision.latencyMs > 0) {
    await sleep(clock, decision.latencyMs);
  }
  const fault = decision.fault?.type;
  return {
    ...answer,
    ...(decision.ruleId !== undefined ? { ruleId: decision.ruleId } : {}),
    ...(fault !== undefined && fault !== 'bad-signature' ? { fault } : {}),
    ...(decision.hint !== undefined
      ? { hint: answer.hint === undefined ? decision.hint : `${answer.hint}; ${decision.hint}` }
      : {}),
  };
}

export function orderOf(session: CardSession): { orderId?: string } {
  return session.orderId !== '' ? { orderId: session.orderId } : {};
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.schedule(clock.now() + ms, () => resolve());
  });
}

/** Signs an answer's fields, wrongly when the scenario's fault asks for a bad signature. */
export function signCardAnswer(
  deps: CardAnswerDeps,
  script: string,
  merchant: Merchant,
  fields: Record<string, string>,
  decision: Decision,
): Record<string, string> {
  return deps.envelope.sign(
    script,
    merchant,
    fields,
    decision.fault?.type === 'bad-signature',
    undefined,
    deps.key,
  );
}

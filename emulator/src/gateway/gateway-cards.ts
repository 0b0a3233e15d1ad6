import { isoSeconds, type Clock } from '../clock.js';
import type { CardStorage, SubmitResult } from '../cards/card-storage.js';
import { validateCardInput } from '../cards/card-input.js';
import { GatewayErrors } from '../errors.js';
import type { SecretKeyKind } from '../merchants/merchants.js';
import {
  gatewayCardAnswerFields,
  gatewayListedCardFields,
  orderOf,
  shaped,
  signCardAnswer,
  threeDsRequestOf,
} from './gateway-cards-answers.js';
import { cardProblems, contextOf, FieldReader } from './gateway-cards-fields.js';
import { completeGatewayAcs } from './gateway-cards-payment-acs.js';
import { invalidFields, sessionFailure, storeFailed } from './gateway-cards-refusals.js';
import {
  type AnswerRecord,
  type GatewayAnswer,
  type GatewayCall,
  type GatewayEnvelope,
} from './envelope.js';

/**
 * The Gateway's (PCI) card storage (docs/gateway/card-storage.md §10, §6, §7): the merchant sends the
 * card number itself to `/g2g/cardstorage/add`, a 3DS card finishes through the issuer page and
 * `/g2g/cardstorage/payment_acs`, and `list` / `remove` answer in the Gateway's shapes. Wire
 * names are mapped here, once; the card storage domain decides. No Express: the routes in
 * http/gateway-card-routes.ts hand over a `GatewayCall` and the request's origin.
 */

export interface GatewayCardsDeps {
  readonly envelope: GatewayEnvelope;
  readonly cards: CardStorage;
  readonly clock: Clock;
  /** Which of the merchant's keys signs card storage (SANDBOX_CARD_STORAGE_KEY). */
  readonly key: SecretKeyKind;
}

/** The scripts the Gateway signs these methods with (docs/gateway/card-storage.md §10, §6, §7). */
export const GATEWAY_CARD_SCRIPTS = {
  add: 'add',
  paymentAcs: 'payment_acs',
  list: 'list',
  remove: 'remove',
} as const;

/** The text an `add` that cannot save its card answers with (docs/gateway/card-storage.md §10). */
export { CARD_ADD_DECLINED_TEXT } from './gateway-cards-refusals.js';

export class GatewayCards {
  constructor(private readonly deps: GatewayCardsDeps) {}

  /**
   * `POST /g2g/cardstorage/add` (script `add`): opens a Gateway session and submits the card in
   * the same request. Bad input is refused before anything is stored (9403 naming each field);
   * a card that cannot be added ends its session and answers the docs/gateway/card-storage.md §10 error sample (10000, or
   * a scenario's code); a 3DS card waits for the issuer page at `<origin>/v2/user/3ds-page/…`.
   */
  async add(call: GatewayCall, origin: string): Promise<GatewayAnswer> {
    const script = GATEWAY_CARD_SCRIPTS.add;
    const identified = this.deps.envelope.authenticate(call, script, this.deps.key);
    if (!identified.ok) return identified.answer;
    const { merchant } = identified;

    const reader = new FieldReader(call.fields);
    const userId = reader.userId();
    const orderId = reader.text('pg_order_id') ?? '';
    const pan = reader.text('pg_card_pan');
    const token = reader.text('pg_card_token');
    if (pan === undefined && token !== undefined && token !== '') {
      reader.problems.push({
        field: 'pg_card_token',
        problem:
          'enriching a saved card (pg_card_token instead of pg_card_pan, §8 is_sender=0) is not emulated: send pg_card_pan with the card number',
      });
    }
    const input = {
      pan: pan ?? '',
      holder: reader.text('pg_card_name') ?? '',
      month: reader.text('pg_card_month') ?? '',
      year: reader.text('pg_card_year') ?? '',
      cvc: reader.text('pg_card_cvc') ?? '',
    };
    // Checked before a session is opened, so a refused request stores nothing.
    const checked = validateCardInput(input, new Date(this.deps.clock.now()));
    if (!checked.ok) reader.problems.push(...cardProblems(checked.errors));
    if (reader.problems.length > 0)
      return invalidFields(this.deps, script, merchant, reader, orderId);

    let result: SubmitResult;
    try {
      const session = await this.deps.cards.open({
        merchantId: merchant.id,
        userId,
        orderId,
        postLink: '',
        backLink: '',
        variant: 'gateway',
      });
      result = await this.deps.cards.submit(session, input, contextOf(call));
    } catch (error) {
      return storeFailed(this.deps, script, merchant, error, orderId);
    }

    const answerOf = (fields: Record<string, string>, outcome: string): GatewayAnswer => ({
      fields,
      merchantId: merchant.id,
      ...orderOf(result.session),
      paymentId: result.session.paymentId,
      outcome,
      reason: 'decision' in result ? result.decision.reason : 'card storage',
    });
    switch (result.kind) {
      case 'approved':
        return shaped(
          this.deps.clock,
          answerOf(
            signCardAnswer(
              this.deps,
              script,
              merchant,
              gatewayCardAnswerFields(
                result.session,
                { kind: 'saved', card: result.card },
                this.deps.clock.now(),
              ),
              result.decision,
            ),
            'ok',
          ),
          result.decision,
        );
      case '3ds': {
        const request = threeDsRequestOf(result.session, origin);
        return shaped(
          this.deps.clock,
          {
            ...answerOf(
              signCardAnswer(
                this.deps,
                script,
                merchant,
                gatewayCardAnswerFields(
                  result.session,
                  { kind: '3ds', pan: result.session.pendingCard?.pan ?? '', request },
                  this.deps.clock.now(),
                ),
                result.decision,
              ),
              'ok, awaiting 3DS',
            ),
            hint: `the card needs 3-D Secure: post the browser to pg_3d_acsurl with MD (pg_3d_md), PaReq (pg_3d_pareq) and your TermUrl; the issuer page accepts the password 3ds-pass and posts MD and PaRes to TermUrl; then call /g2g/cardstorage/payment_acs with pg_payment_id ${result.session.paymentId}, pg_md and pg_pares`,
          },
          result.decision,
        );
      }
      case 'failed':
        return shaped(
          this.deps.clock,
          {
            ...sessionFailure(this.deps, script, merchant, result.session, result.decision),
            hint: `the card was not saved (${result.decision.reason}); nothing to pay out to`,
          },
          result.decision,
        );
      case 'invalid':
      case 'closed':
        // Checked above, and a new session waits for its card: only a bug lands here.
        return this.deps.envelope.error(GatewayErrors.systemError, script, merchant, {
          reason: `card session ${result.session.paymentId}: ${result.kind} right after it opened`,
          hint: 'the sandbox hit an internal error; its log has the details',
          key: this.deps.key,
        });
    }
  }

  /**
   * `POST /g2g/cardstorage/payment_acs` (script `payment_acs`): the merchant brings back the
   * issuer's `PaRes` (and `MD`). The PaRes the issuer page gave ends the session as the issuer
   * decided; anything else is refused and the session keeps waiting.
   */
  paymentAcs(call: GatewayCall): Promise<GatewayAnswer> {
    return completeGatewayAcs(this.deps, call, GATEWAY_CARD_SCRIPTS.paymentAcs);
  }

  /**
   * `POST /g2g/cardstorage/list` (script `list`): the user's saved cards, as repeated `<card>`
   * elements, signed as the list a parser makes of them.
   */
  async list(call: GatewayCall): Promise<GatewayAnswer> {
    const script = GATEWAY_CARD_SCRIPTS.list;
    const identified = this.deps.envelope.authenticate(call, script, this.deps.key);
    if (!identified.ok) return identified.answer;
    const { merchant } = identified;
    const reader = new FieldReader(call.fields);
    const userId = reader.userId();
    if (reader.problems.length > 0) return invalidFields(this.deps, script, merchant, reader);

    const cards = await this.deps.cards.list(merchant.id, userId);
    const records: AnswerRecord[] = cards.map((card) => ({
      name: 'card',
      fields: gatewayListedCardFields(card),
    }));
    return {
      fields: this.deps.envelope.signWithRecords(script, merchant, {}, records, this.deps.key),
      records,
      merchantId: merchant.id,
      outcome: 'ok',
      reason: `${cards.length} saved card${cards.length === 1 ? '' : 's'} of user ${userId}`,
      ...(cards.length === 0
        ? {
            hint: `user ${userId} has no saved cards with merchant ${merchant.id}; the documented test cards are everyone's and are not listed`,
          }
        : {}),
    };
  }

  /**
   * `POST /g2g/cardstorage/remove` (script `remove`): by `pg_card_token` (the Gateway's field) or
   * `pg_card_id` (the legacy SDKs'), answered `pg_status` `success` and `deleted_at` (docs/gateway/card-storage.md §7).
   */
  async remove(call: GatewayCall): Promise<GatewayAnswer> {
    const script = GATEWAY_CARD_SCRIPTS.remove;
    const identified = this.deps.envelope.authenticate(call, script, this.deps.key);
    if (!identified.ok) return identified.answer;
    const { merchant } = identified;
    const reader = new FieldReader(call.fields);
    const userId = reader.userId();
    const token = reader.text('pg_card_token');
    let ref: { token?: string; id?: number } = {};
    if (token !== undefined && token !== '') ref = { token };
    else if (call.fields.pg_card_id !== undefined) {
      const id = reader.integer('pg_card_id');
      if (id !== undefined) ref = { id };
    } else if (!reader.problems.some((p) => p.field === 'pg_card_token')) {
      reader.problems.push({
        field: 'pg_card_token',
        problem: 'is required: send the pg_card_token of the card to remove (or its pg_card_id)',
      });
    }
    if (reader.problems.length > 0) return invalidFields(this.deps, script, merchant, reader);

    let result: Awaited<ReturnType<CardStorage['remove']>>;
    try {
      result = await this.deps.cards.remove(merchant.id, userId, ref);
    } catch (error) {
      return storeFailed(this.deps, script, merchant, error);
    }
    if (result.kind === 'not-found') {
      const spec = GatewayErrors.cardNotFound;
      return this.deps.envelope.error(spec, script, merchant, {
        description: `${spec.description}: ${result.why}`,
        reason: 'remove: card not found',
        hint: `${result.why}; list the user's cards with /g2g/cardstorage/list`,
        key: this.deps.key,
      });
    }
    return {
      fields: this.deps.envelope.sign(
        script,
        merchant,
        { pg_status: 'success', deleted_at: isoSeconds(result.card.deletedAt ?? '') },
        false,
        undefined,
        this.deps.key,
      ),
      merchantId: merchant.id,
      outcome: 'ok',
      reason: `card ${result.card.token} of user ${userId} removed`,
    };
  }
}

import { isoSeconds, type Clock } from '../clock.js';
import { cardMask, gatewayListHash, type SavedCard } from '../cards/card.js';
import type { CardSession } from '../cards/card-session.js';
import type { CardStorage, SubmitResult } from '../cards/card-storage.js';
import { validateCardInput, type CardField, type CardInputErrors } from '../cards/card-input.js';
import { GatewayErrors, gatewayErrorByCode, type GatewayErrorSpec } from '../errors.js';
import type { Merchant, SecretKeyKind } from '../merchants/merchants.js';
import type { Decision } from '../payouts/outcome.js';
import { GATEWAY_INTEGER } from '../payouts/request.js';
import type { Fields } from '../signature/signature.js';
import {
  gatewayTime,
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

/** Where the simulated issuer's page lives: the path the docs' samples show (docs/gateway/card-storage.md §10). */
export const ISSUER_PAGE_PATH = '/v2/user/3ds-page';

/** The card input's fields under their wire names, so an error names what the merchant sent. */
const WIRE_NAMES: Record<CardField, string> = {
  pan: 'pg_card_pan',
  holder: 'pg_card_name',
  month: 'pg_card_month',
  year: 'pg_card_year',
  cvc: 'pg_card_cvc',
};

/**
 * The docs/gateway/card-storage.md §10 error sample's text for 10000, used when a card cannot be added and no scenario gave a
 * text of its own: the Gateway's card methods answer in Russian where the payout catalogue's
 * samples are English.
 */
export const CARD_ADD_DECLINED_TEXT = 'Ошибка оплаты. Повторите попытку позже.';

/** reg2reg's rule for `pg_user_id`: a card saved for a user reg2reg refuses could never be paid. */
const USER_ID = /^[A-Za-z0-9_-]{1,50}$/;

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

interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

/** Reads single text values off a call, collecting what is wrong with them. */
class FieldReader {
  readonly problems: FieldProblem[] = [];

  constructor(private readonly fields: Fields) {}

  text(name: string): string | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problems.push({ field: name, problem: 'must be sent once, as a single value' });
      return undefined;
    }
    return value;
  }

  required(name: string, why = 'is required'): string {
    const value = this.text(name);
    if (value === undefined || value.trim() === '') {
      if (!this.problems.some((p) => p.field === name)) {
        this.problems.push({ field: name, problem: why });
      }
      return '';
    }
    return value;
  }

  userId(): string {
    const userId = this.required('pg_user_id');
    if (userId !== '' && !USER_ID.test(userId)) {
      this.problems.push({
        field: 'pg_user_id',
        problem:
          'must be 1-50 characters of Latin letters, digits, "_" or "-" (reg2reg takes no other, so a card saved for it could not be paid out to)',
      });
    }
    return userId;
  }

  integer(name: string): number | undefined {
    const text = this.required(name);
    if (text === '') return undefined;
    if (!GATEWAY_INTEGER.test(text)) {
      this.problems.push({ field: name, problem: 'must be an integer' });
      return undefined;
    }
    return Number(text);
  }

  /** Problems as one text: `pg_card_pan: The card number …; pg_user_id: is required`. */
  describe(): string {
    return this.problems.map((p) => `${p.field}: ${p.problem}`).join('; ');
  }
}

function cardProblems(errors: CardInputErrors): FieldProblem[] {
  return (Object.keys(WIRE_NAMES) as CardField[])
    .filter((field) => errors[field] !== undefined)
    .map((field) => ({ field: WIRE_NAMES[field], problem: errors[field] ?? '' }));
}

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
    if (reader.problems.length > 0) return this.invalid(script, merchant, reader, orderId);

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
      return this.storeFailed(script, merchant, error, orderId);
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
        return this.shaped(
          answerOf(
            this.sign(
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
        return this.shaped(
          {
            ...answerOf(
              this.sign(
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
        return this.shaped(
          {
            ...this.failure(script, merchant, result.session, result.decision),
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
  async paymentAcs(call: GatewayCall): Promise<GatewayAnswer> {
    const script = GATEWAY_CARD_SCRIPTS.paymentAcs;
    const identified = this.deps.envelope.authenticate(call, script, this.deps.key);
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
      return this.invalid(script, merchant, reader);
    }

    const session = this.deps.cards.session(paymentId);
    if (!session || session.merchantId !== merchant.id || session.variant !== 'gateway') {
      return this.deps.envelope.error(GatewayErrors.paymentNotFound, script, merchant, {
        reason: 'payment_acs: no such Gateway card session',
        hint: !session
          ? `no card was added with pg_payment_id ${paymentId}; send the pg_payment_id of the /g2g/cardstorage/add answer`
          : session.merchantId !== merchant.id
            ? `pg_payment_id ${paymentId} belongs to another merchant`
            : `pg_payment_id ${paymentId} was opened by the Merchant API's cardstorage/add: its 3-D Secure ends on the hosted page, not in payment_acs`,
        key: this.deps.key,
      });
    }
    const refuse = (
      spec: GatewayErrorSpec,
      details: string,
      hint: string,
      reason = 'payment_acs refused',
    ): GatewayAnswer => ({
      ...this.deps.envelope.error(spec, script, merchant, {
        description: `${spec.description}: ${details}`,
        reason,
        hint,
        key: this.deps.key,
      }),
      ...orderOf(session),
      paymentId,
    });
    if (session.state !== 'awaiting-3ds') return this.notWaiting(session, refuse);
    if (md !== session.viewId) {
      return refuse(
        GatewayErrors.invalidParameters,
        `pg_md is not the MD of payment ${paymentId}`,
        `send as pg_md the MD the issuer page posted to your TermUrl, which is the pg_3d_md of the add answer (${session.viewId}); the card still waits for 3-D Secure`,
      );
    }

    let result: Awaited<ReturnType<CardStorage['completeAcs']>>;
    try {
      result = await this.deps.cards.completeAcs(session, pares);
    } catch (error) {
      return this.storeFailed(script, merchant, error, session.orderId);
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
          fields: this.sign(
            script,
            merchant,
            gatewayCardAnswerFields(
              result.session,
              { kind: 'saved', card: result.card },
              this.deps.clock.now(),
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
          ...this.failure(script, merchant, result.session, result.decision),
          hint: `the issuer refused 3-D Secure (${result.decision.reason}); the card was not saved: add it again with /g2g/cardstorage/add`,
        };
      case 'closed':
      case 'invalid':
      case '3ds':
        return this.notWaiting(result.session, refuse);
    }
  }

  /**
   * `POST /g2g/cardstorage/list` (script `list`): the user's saved cards, as repeated `<card>`
   * elements, signed as the list a parser makes of them.
   */
  list(call: GatewayCall): GatewayAnswer {
    const script = GATEWAY_CARD_SCRIPTS.list;
    const identified = this.deps.envelope.authenticate(call, script, this.deps.key);
    if (!identified.ok) return identified.answer;
    const { merchant } = identified;
    const reader = new FieldReader(call.fields);
    const userId = reader.userId();
    if (reader.problems.length > 0) return this.invalid(script, merchant, reader);

    const cards = this.deps.cards.list(merchant.id, userId);
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
    if (reader.problems.length > 0) return this.invalid(script, merchant, reader);

    let result: Awaited<ReturnType<CardStorage['remove']>>;
    try {
      result = await this.deps.cards.remove(merchant.id, userId, ref);
    } catch (error) {
      return this.storeFailed(script, merchant, error);
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

  private sign(
    script: string,
    merchant: Merchant,
    fields: Record<string, string>,
    decision: Decision,
  ): Record<string, string> {
    return this.deps.envelope.sign(
      script,
      merchant,
      fields,
      decision.fault?.type === 'bad-signature',
      undefined,
      this.deps.key,
    );
  }

  /** The error of a session that ended without a card: its code, in the docs/gateway/card-storage.md §10 sample's shape. */
  private failure(
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
      ...this.deps.envelope.error(spec, script, merchant, {
        description,
        reason: decision.reason,
        key: this.deps.key,
        wrongSignature: decision.fault?.type === 'bad-signature',
      }),
      ...orderOf(session),
      paymentId: session.paymentId,
    };
  }

  private notWaiting(
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

  private invalid(
    script: string,
    merchant: Merchant,
    reader: FieldReader,
    orderId?: string,
  ): GatewayAnswer {
    const details = reader.describe();
    const spec = GatewayErrors.invalidParameters;
    return this.deps.envelope.error(spec, script, merchant, {
      description: `${spec.description}: ${details}`,
      reason: 'request validation',
      hint: `fix the fields: ${details}`,
      key: this.deps.key,
      ...(orderId !== undefined && orderId !== '' ? { orderId } : {}),
    });
  }

  private storeFailed(
    script: string,
    merchant: Merchant,
    error: unknown,
    orderId?: string,
  ): GatewayAnswer {
    return this.deps.envelope.error(GatewayErrors.systemError, script, merchant, {
      reason: 'store write failed',
      hint: `the sandbox could not store the card (${(error as Error).message}); check the data file's disk and permissions, then list the user's cards`,
      key: this.deps.key,
      ...(orderId !== undefined && orderId !== '' ? { orderId } : {}),
    });
  }

  /**
   * A scenario's answer shaping: its latency on the sandbox clock, and a transport fault the
   * HTTP layer renders. The card step has happened by then (as `when: after`): the merchant
   * must list the user's cards to learn what became of it.
   */
  private async shaped(answer: GatewayAnswer, decision: Decision): Promise<GatewayAnswer> {
    if (decision.latencyMs !== undefined && decision.latencyMs > 0) {
      await sleep(this.deps.clock, decision.latencyMs);
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
}

function contextOf(call: GatewayCall): { scenarioHeader?: string } {
  return call.scenarioHeader !== undefined ? { scenarioHeader: call.scenarioHeader } : {};
}

function orderOf(session: CardSession): { orderId?: string } {
  return session.orderId !== '' ? { orderId: session.orderId } : {};
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.schedule(clock.now() + ms, () => resolve());
  });
}

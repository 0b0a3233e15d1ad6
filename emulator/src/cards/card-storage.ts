import { isoTime, type Clock } from '../clock.js';
import { gatewayErrorByCode } from '../errors.js';
import type { ChoiceContext, Decision, OutcomeChooser } from '../payouts/outcome.js';
import type { OutboxMessage, Postback, PostbackPlan } from '../postbacks/postback.js';
import type { Randomness } from '../randomness.js';
import type { Decided, Store, StoreChange } from '../store/store.js';
import { createSavedCard, deleteCard, type SavedCard } from './card.js';
import { cardProfile, threeDsPasswordAccepted } from './card-catalog.js';
import { validateCardInput, type CardInput, type CardInputErrors } from './card-input.js';
import {
  createCardSession,
  transitionSession,
  type CardSession,
  type CardSessionVariant,
  type PendingCard,
} from './card-session.js';
import { isEveryonesCard } from './everyone.js';
import { newCardId, newCardToken, newViewId } from './ids.js';

/**
 * Card storage (docs/gateway/card-storage.md): a merchant opens a session, the user types the card on the
 * hosted page (or the merchant sends it, PCI), the issuer's 3DS page may ask for a password, the
 * card is saved and the merchant gets a callback. Domain only: what the wire looks like is in
 * gateway/ and pages/.
 */
export interface CallbackOutbox {
  /** `already`: how many postbacks the payment (the session's payment id) has. */
  prepareMessage(message: OutboxMessage, plan?: PostbackPlan, already?: number): Postback[];
  activate(postbacks: readonly Postback[]): void;
}

export interface CardStorageDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly randomness: Randomness;
  /** Scenario rules for `cardstorage/add`, `cardstorage/3ds`, `g2g/cardstorage/add`. */
  readonly chooseOutcome?: OutcomeChooser;
  /** The card callback goes out through the payout outbox; none without one. */
  readonly outbox?: CallbackOutbox;
  /** The callback's fields for a session that ended (gateway/render.ts). */
  readonly callbackFields: (session: CardSession, card?: SavedCard) => Record<string, string>;
  readonly callbackFormat: 'pg_xml' | 'form';
  /** The key that signs card storage (SANDBOX_CARD_STORAGE_KEY). */
  readonly key: 'payment' | 'payout';
}

export interface OpenSession {
  readonly merchantId: string;
  readonly userId: string;
  readonly orderId: string;
  readonly postLink: string;
  readonly backLink: string;
  readonly variant: CardSessionVariant;
}

/** What a card submitted on the page (or in a Gateway add) led to. */
export type SubmitResult =
  | { readonly kind: 'invalid'; readonly session: CardSession; readonly errors: CardInputErrors }
  /** The session is not waiting for a card any more (saved, failed, or at the issuer). */
  | { readonly kind: 'closed'; readonly session: CardSession }
  | { readonly kind: '3ds'; readonly session: CardSession; readonly decision: Decision }
  | {
      readonly kind: 'approved';
      readonly session: CardSession;
      readonly card: SavedCard;
      readonly decision: Decision;
    }
  | { readonly kind: 'failed'; readonly session: CardSession; readonly decision: Decision };

export type RemoveResult =
  | { readonly kind: 'removed'; readonly card: SavedCard }
  | { readonly kind: 'not-found'; readonly why: string };

/** The gateway's decline when a card cannot be saved: its "payment error" (docs/gateway/errors.md §2). */
const DECLINED = { code: 10000, description: 'Payment error. Service unavailable, retry later' };
const THREE_DS_FAILED = {
  code: 10001,
  description: '3-D Secure authentication failed',
};

/**
 * A failed step's text: the scenario's own, else the catalogue's for its code (a rule's
 * `error 10004` reads "3-D Secure was not entered or is wrong"), else the step's default.
 */
function describeFailure(
  outcome: { code: number; description?: string },
  fallback: string,
): string {
  return outcome.description ?? gatewayErrorByCode(outcome.code)?.description ?? fallback;
}

export class CardStorage {
  constructor(private readonly deps: CardStorageDeps) {}

  /** `cardstorage/add` and its twins: a new session, stored before its answer is sent. */
  async open(input: OpenSession): Promise<CardSession> {
    const { store, randomness, clock } = this.deps;
    const paymentId = await store.nextPaymentId((last) => randomness.nextPaymentId(last));
    const session = createCardSession(
      { ...input, paymentId, viewId: newViewId(() => randomness.idDraw()) },
      isoTime(clock.now()),
    );
    await store.commit({ cardSessions: [session], lastPaymentId: paymentId });
    return session;
  }

  session(paymentId: number): Promise<CardSession | undefined> {
    return this.deps.store.cardSession(paymentId);
  }

  sessionByView(viewId: string): Promise<CardSession | undefined> {
    return this.deps.store.cardSessionByView(viewId);
  }

  /**
   * The card typed on the page (or sent to the Gateway's add). Bad input changes nothing and
   * says what to fix; a declined card ends the session; a 3DS card waits for the issuer.
   */
  async submit(
    session: CardSession,
    input: CardInput,
    context: ChoiceContext = {},
  ): Promise<SubmitResult> {
    if (session.state !== 'created') return { kind: 'closed', session };
    const now = this.deps.clock.now();
    const checked = validateCardInput(input, new Date(now));
    if (!checked.ok) return { kind: 'invalid', session, errors: checked.errors };
    const { pan, holder, month, year } = checked.card;
    const profile = cardProfile(pan);
    const fallback: Decision = profile.declinedAtSaving
      ? {
          outcome: { status: 'error', code: DECLINED.code },
          reason: `card ${pan}: documented as impossible to add`,
        }
      : {
          outcome: { status: 'ok' },
          reason: `card ${pan}: saves${profile.threeDs ? ' after 3DS' : ''}`,
        };
    const decision = await this.choose(
      session.variant === 'gateway' ? 'g2g/cardstorage/add' : 'cardstorage/add',
      session,
      { pg_card_pan: pan, pg_card_name: holder },
      fallback,
      context,
    );
    const outcome = decision.outcome;
    if (outcome.status === 'error') {
      const failed = await this.fail(session, decision, {
        code: outcome.code,
        description: describeFailure(outcome, DECLINED.description),
      });
      return { kind: 'failed', session: failed, decision };
    }
    const pending: PendingCard = { pan, holder, month, year };
    if (profile.threeDs) {
      const moved = await this.moveSession(session, (current) => {
        const waiting = transitionSession(
          current,
          'awaiting-3ds',
          isoTime(now),
          'the card needs 3-D Secure: waiting for the issuer page',
          { pendingCard: pending },
        );
        return { change: { cardSessions: [waiting] }, callbacks: [], result: waiting };
      });
      if (!moved.moved) return { kind: 'closed', session: moved.session };
      return { kind: '3ds', session: moved.result, decision };
    }
    const saved = await this.approve(session, pending, false, decision);
    if ('closed' in saved) return { kind: 'closed', session: saved.closed };
    return { kind: 'approved', ...saved, decision };
  }

  /**
   * The issuer's answer to the password typed on its page: the documented password passes
   * (`3ds-pass`), anything else fails, unless a scenario rule for `cardstorage/3ds` says
   * otherwise.
   */
  checkPassword(
    session: CardSession,
    password: string,
    context: ChoiceContext = {},
  ): Promise<Decision> {
    const passes = threeDsPasswordAccepted(password);
    return this.choose(
      'cardstorage/3ds',
      session,
      {},
      passes
        ? { outcome: { status: 'ok' }, reason: 'the 3DS password is right' }
        : {
            outcome: {
              status: 'error',
              code: THREE_DS_FAILED.code,
              description: THREE_DS_FAILED.description,
            },
            reason: 'the 3DS password is wrong',
          },
      context,
    );
  }

  /** Ends a session waiting for 3DS as the issuer decided. */
  async finish3ds(
    session: CardSession,
    decided: Decision | Promise<Decision>,
  ): Promise<SubmitResult> {
    if (session.state !== 'awaiting-3ds' || !session.pendingCard) {
      return { kind: 'closed', session };
    }
    const decision = await decided;
    const outcome = decision.outcome;
    if (outcome.status === 'error') {
      const failed = await this.fail(session, decision, {
        code: outcome.code,
        description: describeFailure(outcome, THREE_DS_FAILED.description),
      });
      return { kind: 'failed', session: failed, decision };
    }
    const saved = await this.approve(session, session.pendingCard, true, decision);
    if ('closed' in saved) return { kind: 'closed', session: saved.closed };
    return { kind: 'approved', ...saved, decision };
  }

  /**
   * A Gateway (PCI) session's issuer page answered: the answer is kept on the session and
   * carried back by the merchant as `PaRes`; nothing is saved until `completeAcs`.
   */
  async recordIssuerAnswer(session: CardSession, decision: Decision): Promise<CardSession> {
    const outcome = decision.outcome;
    const passed = outcome.status !== 'error';
    const answered: CardSession = {
      ...session,
      issuer: {
        passed,
        reason: decision.reason,
        pares: `sandbox-pares-${session.viewId}-${passed ? 'Y' : 'N'}`,
        ...(outcome.status === 'error'
          ? {
              code: outcome.code,
              description: describeFailure(outcome, THREE_DS_FAILED.description),
            }
          : {}),
      },
      updatedAt: isoTime(this.deps.clock.now()),
    };
    await this.deps.store.commit({ cardSessions: [answered] });
    return answered;
  }

  /**
   * `payment_acs`: the merchant brings the issuer's `PaRes` back. The PaRes the issuer page gave
   * ends the session as the issuer decided; any other is refused (`wrong-pares`) and changes
   * nothing.
   */
  async completeAcs(
    session: CardSession,
    pares: string,
  ): Promise<SubmitResult | { readonly kind: 'wrong-pares'; readonly session: CardSession }> {
    const issuer = session.issuer;
    if (session.state !== 'awaiting-3ds') return { kind: 'closed', session };
    if (!issuer || issuer.pares !== pares) return { kind: 'wrong-pares', session };
    const decision: Decision = issuer.passed
      ? { outcome: { status: 'ok' }, reason: issuer.reason }
      : {
          outcome: {
            status: 'error',
            code: issuer.code ?? THREE_DS_FAILED.code,
            description: issuer.description ?? THREE_DS_FAILED.description,
          },
          reason: issuer.reason,
        };
    return this.finish3ds(session, decision);
  }

  /**
   * A card saved without a page, for tests and QA (`POST /__sandbox/cards`): no session, no
   * callback, no 3DS.
   */
  async saveDirect(input: {
    merchantId: string;
    userId: string;
    pan: string;
    holder?: string;
    month?: string;
    year?: string;
    payoutOnly?: boolean;
  }): Promise<{ ok: true; card: SavedCard } | { ok: false; errors: CardInputErrors }> {
    const now = this.deps.clock.now();
    const expiry = new Date(now);
    const checked = validateCardInput(
      {
        pan: input.pan,
        holder: input.holder ?? 'SANDBOX USER',
        month: input.month ?? '12',
        year: input.year ?? String((expiry.getUTCFullYear() + 3) % 100).padStart(2, '0'),
        cvc: '123',
      },
      expiry,
    );
    if (!checked.ok) return { ok: false, errors: checked.errors };
    // The CVC is checked, never kept (card.ts).
    const { cvc: _cvc, ...typed } = checked.card;
    const card = await this.newCard(
      { merchantId: input.merchantId, userId: input.userId, payoutOnly: input.payoutOnly ?? false },
      typed,
      false,
      now,
    );
    await this.deps.store.commit({ cards: [card], lastCardId: card.id });
    return { ok: true, card };
  }

  /** The cards a user saved with a merchant and has not removed, oldest first. */
  async list(merchantId: string, userId: string): Promise<SavedCard[]> {
    const found: SavedCard[] = [];
    for (const card of await this.deps.store.cards({ merchantId, userId })) {
      if (card.status !== 'approved' || isEveryonesCard(card)) continue;
      found.push(card);
    }
    return found.sort((a, b) => a.id - b.id);
  }

  /** Removes a user's card, by token or id. The test cards are everyone's: nobody removes them. */
  async remove(
    merchantId: string,
    userId: string,
    ref: { token?: string; id?: number },
  ): Promise<RemoveResult> {
    const { store } = this.deps;
    const card =
      ref.token !== undefined
        ? await store.card(ref.token.toLowerCase())
        : ref.id !== undefined
          ? await store.cardById(ref.id)
          : undefined;
    const which = ref.token !== undefined ? `token ${ref.token}` : `id ${ref.id ?? ''}`;
    if (!card) return { kind: 'not-found', why: `no card with ${which}` };
    if (isEveryonesCard(card)) {
      return {
        kind: 'not-found',
        why: `${which} is a documented test card, which cannot be removed`,
      };
    }
    if (card.merchantId !== merchantId || card.userId !== userId) {
      return { kind: 'not-found', why: `${which} is not a card of user ${userId}` };
    }
    if (card.status === 'deleted') {
      return { kind: 'not-found', why: `${which} was removed already at ${card.deletedAt ?? ''}` };
    }
    const removed = deleteCard(card, isoTime(this.deps.clock.now()));
    await store.commit({ cards: [removed] });
    return { kind: 'removed', card: removed };
  }

  private choose(
    method: 'cardstorage/add' | 'cardstorage/3ds' | 'g2g/cardstorage/add',
    session: CardSession,
    fields: Record<string, string>,
    fallback: Decision,
    context: ChoiceContext,
  ): Promise<Decision> {
    const chooser = this.deps.chooseOutcome;
    if (!chooser) return Promise.resolve(fallback);
    // A shared scenario state answers with a promise (scenarios/state.ts).
    return Promise.resolve(
      chooser(
        {
          method,
          fields: {
            pg_merchant_id: session.merchantId,
            pg_user_id: session.userId,
            pg_order_id: session.orderId,
            ...fields,
          },
          merchantId: session.merchantId,
          orderId: session.orderId,
          userId: session.userId,
        },
        fallback,
        context,
      ),
    );
  }

  /** A new saved card; its id is allocated now (the commit that saves it may still not come). */
  private async newCard(
    owner: { merchantId: string; userId: string; payoutOnly: boolean },
    typed: PendingCard,
    threeDs: boolean,
    now: number,
    sessionId?: number,
  ): Promise<SavedCard> {
    const { store, randomness } = this.deps;
    const profile = cardProfile(typed.pan);
    const token = newCardToken(() => randomness.idDraw());
    const id = await store.nextCardId(newCardId);
    return createSavedCard({
      token,
      id,
      ...owner,
      ...typed,
      bank: profile.bank,
      country: profile.country,
      threeDs,
      createdAt: isoTime(now),
      ...(sessionId !== undefined ? { sessionId } : {}),
    });
  }

  /** Saves the card, approves the session and queues its callback, in one commit. */
  private async approve(
    session: CardSession,
    typed: PendingCard,
    threeDs: boolean,
    decision: Decision,
  ): Promise<{ session: CardSession; card: SavedCard } | { closed: CardSession }> {
    const now = this.deps.clock.now();
    const card = await this.newCard(
      {
        merchantId: session.merchantId,
        userId: session.userId,
        payoutOnly: session.variant === 'payout',
      },
      typed,
      threeDs,
      now,
      session.paymentId,
    );
    const moved = await this.moveSession(session, (current, already) => {
      const approved = transitionSession(current, 'approved', isoTime(now), decision.reason, {
        cardToken: card.token,
      });
      const callbacks = this.callbacks(approved, decision, already, card);
      return {
        change: {
          cards: [card],
          lastCardId: card.id,
          cardSessions: [approved],
          postbacks: callbacks,
        },
        callbacks,
        result: approved,
      };
    });
    if (!moved.moved) return { closed: moved.session };
    return { session: moved.result, card };
  }

  private async fail(
    session: CardSession,
    decision: Decision,
    failure: { code: number; description: string },
  ): Promise<CardSession> {
    const moved = await this.moveSession(session, (current, already) => {
      const failed = transitionSession(
        current,
        'failed',
        isoTime(this.deps.clock.now()),
        decision.reason,
        { failure },
      );
      const callbacks = this.callbacks(failed, decision, already);
      return {
        change: { cardSessions: [failed], postbacks: callbacks },
        callbacks,
        result: failed,
      };
    });
    return moved.moved ? moved.result : moved.session;
  }

  /**
   * Moves a session on, under its lock, if it is still in the state it was read in: two
   * requests (or processes) finishing one session at once move it once, and the other is
   * answered with the session as it is now. The callbacks are armed once stored.
   */
  private async moveSession<T>(
    session: CardSession,
    move: (
      current: CardSession,
      already: number,
    ) => { change: StoreChange; callbacks: Postback[]; result: T },
  ): Promise<{ moved: true; result: T } | { moved: false; session: CardSession }> {
    const id = session.paymentId;
    type Moved =
      { moved: false; session: CardSession } | { moved: true; result: T; callbacks: Postback[] };
    const done = await this.deps.store.atomically(
      { cardSessions: [id], payouts: [id] },
      (view): Decided<Moved> => {
        // A session a data reset cleared meanwhile is written back, as before the lock.
        const current = view.cardSession(id) ?? session;
        if (current.state !== session.state) {
          return { result: { moved: false, session: current } };
        }
        const made = move(current, view.postbacksOf(id).length);
        return {
          change: made.change,
          result: { moved: true, result: made.result, callbacks: made.callbacks },
        };
      },
    );
    if (!done.moved) return done;
    this.deps.outbox?.activate(done.callbacks);
    return { moved: true, result: done.result };
  }

  /** The callback to `pg_post_link`; the Gateway's add answers at once and sends none. */
  private callbacks(
    session: CardSession,
    decision: Decision,
    already: number,
    card?: SavedCard,
  ): Postback[] {
    const { outbox } = this.deps;
    if (!outbox || session.variant === 'gateway' || session.postLink === '') return [];
    return outbox.prepareMessage(
      {
        paymentId: session.paymentId,
        merchantId: session.merchantId,
        orderId: session.orderId,
        url: session.postLink,
        fields: this.deps.callbackFields(session, card),
        kind: 'card-callback',
        ...(this.deps.callbackFormat === 'pg_xml' ? { format: 'pg_xml' as const } : {}),
        ...(this.deps.key === 'payment' ? { key: 'payment' as const } : {}),
      },
      decision.postback,
      already,
    );
  }
}

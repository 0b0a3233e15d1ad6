import { isoTime, type Clock } from '../clock.js';
import type { ChoiceContext, Decision, OutcomeChooser } from '../payouts/outcome.js';
import type { OutboxMessage, Postback, PostbackPlan } from '../postbacks/postback.js';
import type { Randomness } from '../randomness.js';
import type { Store } from '../store/store.js';
import type { SavedCard } from './card.js';
import { cardProfile, threeDsPasswordAccepted } from './card-catalog.js';
import { validateCardInput, type CardInput, type CardInputErrors } from './card-input.js';
import {
  CardSessionEndings,
  DECLINED,
  describeFailure,
  THREE_DS_FAILED,
} from './card-session-endings.js';
import {
  createCardSession,
  transitionSession,
  type CardSession,
  type NewCardSession,
  type PendingCard,
} from './card-session.js';
import { newViewId } from './ids.js';
import { SavedCards, type DirectCard, type RemoveResult } from './saved-cards.js';

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

/** What `cardstorage/add` and its twins open a session with; its ids are drawn here. */
export type OpenSession = Omit<NewCardSession, 'paymentId' | 'viewId'>;

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

export class CardStorage {
  private readonly endings: CardSessionEndings;
  private readonly saved: SavedCards;

  constructor(private readonly deps: CardStorageDeps) {
    this.endings = new CardSessionEndings(deps);
    this.saved = new SavedCards(deps);
  }

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
      const failed = await this.endings.fail(session, decision, {
        code: outcome.code,
        description: describeFailure(outcome, DECLINED.description),
      });
      return { kind: 'failed', session: failed, decision };
    }
    const pending: PendingCard = { pan, holder, month, year };
    if (profile.threeDs) {
      const moved = await this.endings.moveSession(session, (current) => {
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
    const saved = await this.endings.approve(session, pending, false, decision);
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
      const failed = await this.endings.fail(session, decision, {
        code: outcome.code,
        description: describeFailure(outcome, THREE_DS_FAILED.description),
      });
      return { kind: 'failed', session: failed, decision };
    }
    const saved = await this.endings.approve(session, session.pendingCard, true, decision);
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

  /** See SavedCards.saveDirect: a card saved without a page, for tests and QA. */
  saveDirect(
    input: DirectCard,
  ): Promise<{ ok: true; card: SavedCard } | { ok: false; errors: CardInputErrors }> {
    return this.saved.saveDirect(input);
  }

  /** The cards a user saved with a merchant and has not removed, oldest first. */
  list(merchantId: string, userId: string): Promise<SavedCard[]> {
    return this.saved.list(merchantId, userId);
  }

  /** Removes a user's card, by token or id. The test cards are everyone's: nobody removes them. */
  remove(
    merchantId: string,
    userId: string,
    ref: { token?: string; id?: number },
  ): Promise<RemoveResult> {
    return this.saved.remove(merchantId, userId, ref);
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
}

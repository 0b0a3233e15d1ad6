import { isoTime } from '../clock.js';
import { gatewayErrorByCode } from '../errors.js';
import type { Decision } from '../payouts/outcome.js';
import type { Postback } from '../postbacks/postback.js';
import type { Decided, StoreChange } from '../store/store.js';
import type { SavedCard } from './card.js';
import { transitionSession, type CardSession, type PendingCard } from './card-session.js';
import type { CardStorageDeps } from './card-storage.js';
import { newSavedCard } from './saved-cards.js';

/**
 * How a card session moves on once the card or the issuer decided: approved with its card saved,
 * failed, or on to the issuer's 3DS page; each under the session's lock, with its callback to
 * `pg_post_link` in the same commit. CardStorage (card-storage.ts) decides; this writes.
 */

/** The gateway's decline when a card cannot be saved: its "payment error" (docs/gateway/errors.md §2). */
export const DECLINED = {
  code: 10000,
  description: 'Payment error. Service unavailable, retry later',
};
export const THREE_DS_FAILED = {
  code: 10001,
  description: '3-D Secure authentication failed',
};

/**
 * A failed step's text: the scenario's own, else the catalogue's for its code (a rule's
 * `error 10004` reads "3-D Secure was not entered or is wrong"), else the step's default.
 */
export function describeFailure(
  outcome: { code: number; description?: string },
  fallback: string,
): string {
  return outcome.description ?? gatewayErrorByCode(outcome.code)?.description ?? fallback;
}

export class CardSessionEndings {
  constructor(private readonly deps: CardStorageDeps) {}

  /** Saves the card, approves the session and queues its callback, in one commit. */
  async approve(
    session: CardSession,
    typed: PendingCard,
    threeDs: boolean,
    decision: Decision,
  ): Promise<{ session: CardSession; card: SavedCard } | { closed: CardSession }> {
    const now = this.deps.clock.now();
    const card = await newSavedCard(
      this.deps,
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

  /** Fails the session with the failure given and queues its callback, in one commit. */
  async fail(
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
  async moveSession<T>(
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

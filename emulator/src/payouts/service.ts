import { payoutOutcomeForPan } from '../cards/card-catalog.js';
import type { SavedCard } from '../cards/card.js';
import { isEveryonesCard } from '../cards/everyone.js';
import { newViewId } from '../cards/ids.js';
import { cardHash, TEST_CARDS, type CardOutcome } from '../cards/test-cards.js';
import { isoTime, type Clock, type ScheduledTask } from '../clock.js';
import { GatewayErrors, gatewayErrorByCode, type GatewayErrorSpec } from '../errors.js';
import type { Merchant } from '../merchants/merchants.js';
import type { Postback, PostbackPlan } from '../postbacks/postback.js';
import type { Randomness } from '../randomness.js';
import type { Fields } from '../signature/signature.js';
import type { Store } from '../store/store.js';
import {
  DEFAULT_PROCESS_DELAY_MS,
  cardDecision,
  fallbackChooser,
  type ChoiceContext,
  type Decision,
  type FinalOutcome,
  type Outcome,
  type OutcomeChooser,
} from './outcome.js';
import { ibanOutcome, normalIban } from './iban.js';
import {
  transition,
  type Payout,
  type PayoutDestination,
  type PayoutError,
  type PayoutStatus,
  type PendingFinal,
} from './payout.js';
import type { PayoutRequest } from './request.js';
import { GATEWAY_ZONE_OFFSET_MINUTES, timeLimitToEpoch } from './time-limit.js';

/** Turns a payout that became final into postbacks, stored in the same commit as the payout. */
export interface FinalNotifier {
  prepare(payout: Payout, balanceMinor: number, plan?: PostbackPlan): Postback[];
  activate(postbacks: readonly Postback[]): void;
  /** Set when no more postbacks can be queued: then no payout is taken. */
  capacityProblem(): string | undefined;
}

export interface PayoutServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly randomness: Randomness;
  /** Chooses the outcome of a payout that passed the checks; the test card's by default. */
  readonly chooseOutcome?: OutcomeChooser;
  /** Sends the postback of every payout that becomes final; none without one. */
  readonly notifier?: FinalNotifier;
  /** The zone `pg_order_time_limit` is read in, in minutes east of UTC (+05:00 by default). */
  readonly timeLimitOffsetMinutes?: number;
}

/** Refused before a payout exists: nothing is stored. */
export interface Rejection {
  readonly kind: 'rejected';
  readonly error: GatewayErrorSpec;
  /** A description other than the catalogue's, when a scenario gave one. */
  readonly description?: string;
  /** What the developer should do about it; for the hint header and the log, not the body. */
  readonly hint?: string;
  /** Set when a scenario rule chose the refusal (with its latency and fault). */
  readonly decision?: Decision;
}

/** A scripted failure before the gateway did anything: nothing is stored, the answer breaks. */
export interface FailedFirst {
  readonly kind: 'failed-first';
  readonly decision: Decision;
}

export interface Created {
  readonly kind: 'created';
  readonly payout: Payout;
  readonly decision: Decision;
  /** The merchant's payout balance after this payout, in minor units. */
  readonly balanceMinor: number;
}

export class PayoutService {
  private readonly timers = new Map<number, ScheduledTask>();

  constructor(private readonly deps: PayoutServiceDeps) {}

  /** The payout balance, opening balance included for a merchant that has made no payout yet. */
  balance(merchant: Merchant): number {
    return this.deps.store.balance(merchant.id) ?? merchant.openingBalanceMinor;
  }

  /**
   * Checks, decides and stores a payout, then resolves once it is on disk. Everything before the
   * commit runs in one synchronous stretch, so parallel requests see each other's payouts.
   */
  async create(
    request: PayoutRequest,
    merchant: Merchant,
    context: ChoiceContext = {},
  ): Promise<Rejection | FailedFirst | Created> {
    const { store, clock, randomness } = this.deps;
    const target = resolveTarget(store, request, merchant, () =>
      newViewId(() => randomness.idDraw()),
    );
    if ('kind' in target) return target;

    const previous = store.latestPayoutForOrder(merchant.id, request.orderId);
    if (previous && previous.status !== 'error') {
      return {
        kind: 'rejected',
        error: GatewayErrors.duplicateOrder,
        hint: `pg_order_id "${request.orderId}" is payment ${previous.paymentId} (${previous.status}); use a new order id. An order whose payout ended in error may be reused.`,
      };
    }

    const balanceBefore = this.balance(merchant);
    if (request.amountMinor > balanceBefore) {
      return {
        kind: 'rejected',
        error: GatewayErrors.insufficientBalance,
        hint: `the payout balance of merchant ${merchant.id} is ${balanceBefore / 100}; configure a larger opening balance in the merchants file`,
      };
    }

    const full = this.deps.notifier?.capacityProblem();
    if (full !== undefined) {
      return { kind: 'rejected', error: GatewayErrors.systemError, hint: full };
    }

    const decision: Decision = await (this.deps.chooseOutcome ?? fallbackChooser)(
      {
        method: request.method,
        fields: { ...request.fields, ...target.choiceFields },
        merchantId: request.merchantId,
        orderId: request.orderId,
        userId: request.userId,
        ...(target.cardToken !== undefined ? { cardToken: target.cardToken } : {}),
      },
      target.fallback ?? { outcome: { status: 'ok' }, reason: PAGE_OPENED },
      context,
    );
    if (decision.fault?.when === 'before') return { kind: 'failed-first', decision };
    const waiting = target.destination.kind === 'payout-page';
    // A payout page decides nothing until the recipient typed a number (the `payout-page`
    // step): the call itself takes only a scenario's latency, fault or refusal.
    const outcome: Outcome = waiting ? { status: 'ok' } : decision.outcome;
    if (decision.outcome.status === 'error') {
      const chosen = decision.outcome;
      const spec = gatewayErrorByCode(chosen.code);
      // A refusal code (bad signature, validation, ...) chosen by a scenario refuses the request
      // as the gateway would: no payment is made.
      if (spec?.kind === 'request') {
        return {
          kind: 'rejected',
          error: spec,
          ...(chosen.description !== undefined ? { description: chosen.description } : {}),
          decision,
        };
      }
    }

    const now = clock.now();
    const at = isoTime(now);
    const paymentId = randomness.nextPaymentId(store.lastPaymentId());
    const status: PayoutStatus = waiting ? 'waiting' : outcome.status;
    // A declined payout is debited and credited back in the same instant: the balance stays. A
    // payout page holds the amount while it waits.
    const balanceAfter =
      outcome.status === 'error' ? balanceBefore : balanceBefore - request.amountMinor;
    const error = outcome.status === 'error' ? payoutError(outcome) : undefined;
    const pendingFinal: PendingFinal | undefined = waiting
      ? this.pageExpiry(now, request.orderTimeLimit)
      : outcome.status === 'process'
        ? this.pendingFinal(outcome, now, request.orderTimeLimit, decision)
        : undefined;

    const payout: Payout = {
      paymentId,
      merchantId: merchant.id,
      orderId: request.orderId,
      userId: request.userId,
      amountMinor: request.amountMinor,
      method: request.method,
      destination: target.destination,
      postLink: request.postLink,
      orderTimeLimit: request.orderTimeLimit,
      status,
      ...(error ? { error } : {}),
      ...(pendingFinal ? { pendingFinal } : {}),
      createdAt: at,
      updatedAt: at,
      history: [{ status, at, reason: decision.reason, ...(error ? { error } : {}) }],
      balanceAfterMinor: balanceAfter,
      request: request.fields,
      answerSeal: {
        salt: randomness.salt(),
        ...(request.origin !== undefined ? { origin: request.origin } : {}),
        ...(decision.fault?.type === 'bad-signature' ? { badSignature: true } : {}),
      },
    };
    // A payout final at once notifies at once; a `process` or `waiting` one when it ends
    // (docs/decisions/0007).
    const postbacks = pendingFinal ? [] : this.notify(payout, balanceAfter, decision.postback);

    await store.commit({
      payouts: [payout],
      balances: { [merchant.id]: balanceAfter },
      lastPaymentId: paymentId,
      postbacks,
    });
    this.deps.notifier?.activate(postbacks);
    if (payout.pendingFinal) this.scheduleFinal(payout.paymentId, payout.pendingFinal);
    const expiredAtOnce = pendingFinal?.error?.code === GatewayErrors.orderExpired.code;
    return {
      kind: 'created',
      payout,
      decision: expiredAtOnce
        ? {
            ...decision,
            hint: `pg_order_time_limit ${request.orderTimeLimit} has passed: this process payout ends in error ${GatewayErrors.orderExpired.code} at once`,
          }
        : decision,
      balanceMinor: balanceAfter,
    };
  }

  /**
   * Where a `process` payout is heading. If `pg_order_time_limit` passes first, the gateway gives
   * up on it: error 360, "Transaction expired" (docs/decisions/0007).
   */
  private pendingFinal(
    outcome: Extract<Decision['outcome'], { status: 'process' }>,
    now: number,
    orderTimeLimit: string,
    decision: Decision,
  ): PendingFinal {
    const finalAt = now + (outcome.afterMs ?? DEFAULT_PROCESS_DELAY_MS);
    const limit = timeLimitToEpoch(
      orderTimeLimit,
      this.deps.timeLimitOffsetMinutes ?? GATEWAY_ZONE_OFFSET_MINUTES,
    );
    const plan = decision.postback ? { postback: decision.postback } : {};
    if (limit !== undefined && limit < finalAt) {
      return {
        status: 'error',
        error: payoutError({ status: 'error', code: GatewayErrors.orderExpired.code }),
        dueAt: isoTime(Math.max(now, limit)),
        reason: `pg_order_time_limit ${orderTimeLimit} passed while in process`,
        ...plan,
      };
    }
    return {
      status: outcome.then.status,
      ...(outcome.then.status === 'error' ? { error: payoutError(outcome.then) } : {}),
      dueAt: isoTime(finalAt),
      reason: 'processing finished',
      ...plan,
    };
  }

  /**
   * A payout page nobody finished ends when `pg_order_time_limit` passes: error 360, "Transaction
   * expired", and the amount goes back (docs/decisions/0013). Without a limit it waits.
   */
  private pageExpiry(now: number, orderTimeLimit: string): PendingFinal | undefined {
    const limit = timeLimitToEpoch(
      orderTimeLimit,
      this.deps.timeLimitOffsetMinutes ?? GATEWAY_ZONE_OFFSET_MINUTES,
    );
    if (limit === undefined) return undefined;
    return {
      status: 'error',
      error: payoutError({ status: 'error', code: GatewayErrors.orderExpired.code }),
      dueAt: isoTime(Math.max(now, limit)),
      reason: `pg_order_time_limit ${orderTimeLimit} passed before the recipient typed a card number`,
    };
  }

  /**
   * The recipient typed a card number on the payout page: the payout goes to it, with the
   * outcome the number (or a scenario rule for `reg2nonreg`) gives. Only a waiting payout can be
   * completed; anything else is answered with what it is.
   */
  async completePage(
    paymentId: number,
    card: { pan: string; holder?: string },
    context: ChoiceContext = {},
  ): Promise<{ kind: 'completed' | 'not-waiting'; payout: Payout } | undefined> {
    const { store, clock } = this.deps;
    const payout = store.payout(paymentId);
    if (!payout) return undefined;
    if (payout.status !== 'waiting' || payout.destination.kind !== 'payout-page') {
      return { kind: 'not-waiting', payout };
    }
    const hash = cardHash(card.pan);
    const decision = await (this.deps.chooseOutcome ?? fallbackChooser)(
      {
        method: 'payout-page',
        fields: { ...payout.request, pg_card_pan: card.pan },
        merchantId: payout.merchantId,
        orderId: payout.orderId,
        userId: payout.userId,
      },
      cardDecision(payoutOutcomeForPan(card.pan), describeNumber(card.pan, hash)),
      context,
    );
    const outcome = decision.outcome;
    const now = clock.now();
    const at = isoTime(now);
    const error = outcome.status === 'error' ? payoutError(outcome) : undefined;
    const moved = transition(payout, outcome.status, at, decision.reason, error);
    const pendingFinal =
      outcome.status === 'process'
        ? this.pendingFinal(outcome, now, payout.orderTimeLimit, decision)
        : undefined;
    const next: Payout = {
      ...moved,
      destination: {
        ...payout.destination,
        pan: card.pan,
        hash,
      },
      ...(pendingFinal ? { pendingFinal } : {}),
    };
    const before = store.balance(payout.merchantId) ?? 0;
    const balance = outcome.status === 'error' ? before + payout.amountMinor : before;
    const postbacks = pendingFinal ? [] : this.notify(next, balance, decision.postback);
    this.timers.get(paymentId)?.cancel();
    this.timers.delete(paymentId);
    try {
      await store.commit({
        payouts: [next],
        ...(outcome.status === 'error' ? { balances: { [payout.merchantId]: balance } } : {}),
        postbacks,
      });
    } catch (failed) {
      // Not on disk: the page still waits, and so does its expiry.
      if (payout.pendingFinal) this.scheduleFinal(paymentId, payout.pendingFinal);
      throw failed;
    }
    this.deps.notifier?.activate(postbacks);
    if (next.pendingFinal) this.scheduleFinal(paymentId, next.pendingFinal);
    return { kind: 'completed', payout: next };
  }

  /** Re-arms the timers of payouts still in `process` or `waiting`, after a restart. */
  resumePending(): void {
    for (const payout of this.deps.store.openPayouts()) {
      if (payout.pendingFinal) {
        this.scheduleFinal(payout.paymentId, payout.pendingFinal);
      }
    }
  }

  /** Moves a `process` payout to its final status now; a no-op for one that is final already. */
  async finalize(paymentId: number): Promise<Payout | undefined> {
    this.timers.get(paymentId)?.cancel();
    this.timers.delete(paymentId);
    const payout = this.deps.store.payout(paymentId);
    const open = payout?.status === 'process' || payout?.status === 'waiting';
    if (!payout || !open || !payout.pendingFinal) return payout;
    return this.end(payout, payout.pendingFinal);
  }

  /**
   * Ends a `process` payout now with the outcome given, not the one it was heading for (the QA
   * dashboard's "finish now", `POST /__sandbox/payouts/:id/finish`): its timer is cancelled, and
   * the ledger and the notify are a natural finish's (the amount goes back on an error; the
   * scenario's postback plan still applies). Its history says it was finished by hand. Anything
   * but a `process` payout is answered with what it is; a failed write rejects, and the payout
   * goes on waiting for its own end.
   */
  async finishNow(
    paymentId: number,
    final: FinalOutcome,
  ): Promise<{ kind: 'finished' | 'not-in-process'; payout: Payout } | undefined> {
    const payout = this.deps.store.payout(paymentId);
    if (!payout) return undefined;
    if (payout.status !== 'process') return { kind: 'not-in-process', payout };
    const pending = payout.pendingFinal;
    const heading = pending
      ? `; it was heading for ${pending.status}${pending.error ? ` ${pending.error.code}` : ''} at ${pending.dueAt}`
      : '';
    this.timers.get(paymentId)?.cancel();
    this.timers.delete(paymentId);
    try {
      const next = await this.end(payout, {
        status: final.status,
        ...(final.status === 'error' ? { error: payoutError(final) } : {}),
        reason: `finished by hand (POST /__sandbox/payouts/${paymentId}/finish)${heading}`,
        ...(pending?.postback ? { postback: pending.postback } : {}),
      });
      return { kind: 'finished', payout: next };
    } catch (failed) {
      if (pending) this.scheduleFinal(paymentId, pending);
      throw failed;
    }
  }

  /** A `process` or `waiting` payout becomes final: ledger, history and notify in one commit. */
  private async end(
    payout: Payout,
    final: Pick<PendingFinal, 'status' | 'error' | 'reason' | 'postback'>,
  ): Promise<Payout> {
    const { store, clock } = this.deps;
    const at = isoTime(clock.now());
    const next = transition(payout, final.status, at, final.reason, final.error);
    const before = store.balance(payout.merchantId) ?? 0;
    // A payout that ends in error gives the money back.
    const balance = final.status === 'error' ? before + payout.amountMinor : before;
    const postbacks = this.notify(next, balance, final.postback);
    await store.commit({
      payouts: [next],
      ...(final.status === 'error' ? { balances: { [payout.merchantId]: balance } } : {}),
      postbacks,
    });
    this.deps.notifier?.activate(postbacks);
    return next;
  }

  /**
   * The postbacks a payout that became final sends: none without a post link (the legacy
   * iban_payout takes none; every other method requires one).
   */
  private notify(payout: Payout, balanceMinor: number, plan?: PostbackPlan): Postback[] {
    if (payout.postLink === '') return [];
    return this.deps.notifier?.prepare(payout, balanceMinor, plan) ?? [];
  }

  /**
   * Stops the timers; pending payouts stay in the store and resume on the next start (or on
   * `resumePending`, after a data reset whose write failed). The service stays usable.
   */
  stop(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  private scheduleFinal(paymentId: number, final: PendingFinal): void {
    this.timers.get(paymentId)?.cancel();
    const task = this.deps.clock.schedule(Date.parse(final.dueAt), async (dueAt) => {
      await this.finalize(paymentId).catch(() => {
        // The write did not reach the disk, so the payout is still `process` everywhere: try
        // again a little later (and on the next start, which re-arms every pending payout).
        this.scheduleFinal(paymentId, {
          ...final,
          dueAt: isoTime(Math.max(dueAt, this.deps.clock.now()) + FINALIZE_RETRY_MS),
        });
      });
    });
    this.timers.set(paymentId, task);
  }
}

const PAGE_OPENED = 'payout page opened: waiting for the recipient';

/** How long a payout whose final write failed waits before the next try, on the sandbox clock. */
const FINALIZE_RETRY_MS = 5_000;

/** Where a payout goes, once checked, and what decides it when no scenario does. */
interface ResolvedTarget {
  readonly destination: PayoutDestination;
  /** Undefined for a payout page: nothing is decided until the recipient typed a number. */
  readonly fallback?: Decision;
  /** Fields scenario rules see on top of the request's. */
  readonly choiceFields: Fields;
  readonly cardToken?: string;
}

function resolveTarget(
  store: Store,
  request: PayoutRequest,
  merchant: Merchant,
  viewId: () => string,
): ResolvedTarget | Rejection {
  const target = request.target;
  switch (target.kind) {
    case 'saved-card': {
      const card = findSavedCard(store, target);
      const refusal = refuseCard(card, target, request.userId, merchant);
      if (refusal || !card) return refusal ?? rejectUnknownCard(target);
      return {
        destination: { kind: 'saved-card', token: card.token, cardId: card.id, hash: card.hash },
        fallback: cardDecision(payoutOutcomeForPan(card.pan), describeCard(card)),
        // The card fields name the card the payout goes to, however the client named it.
        choiceFields: { pg_card_token_to: card.token, pg_card_id_to: String(card.id) },
        cardToken: card.token,
      };
    }
    case 'card-number': {
      const hash = cardHash(target.pan);
      return {
        destination: {
          kind: 'card-number',
          pan: target.pan,
          hash,
          ...(target.holder !== undefined ? { holder: target.holder } : {}),
        },
        fallback: cardDecision(payoutOutcomeForPan(target.pan), describeNumber(target.pan, hash)),
        choiceFields: {},
      };
    }
    case 'iban': {
      const { outcome, documented } = ibanOutcome(target.iban);
      return {
        destination: { ...target, iban: normalIban(target.iban) },
        fallback: cardDecision(outcome, `IBAN ${normalIban(target.iban)}: ${documented}`),
        choiceFields: {},
      };
    }
    case 'payout-page':
      return {
        destination: { kind: 'payout-page', viewId: viewId(), backLink: target.backLink },
        choiceFields: {},
      };
  }
}

/** A token wins over an id when both are sent (the legacy SDK sends an id, newer clients a token). */
function findSavedCard(
  store: Store,
  target: { token?: string; id?: string },
): SavedCard | undefined {
  if (target.token !== undefined) return store.card(target.token.toLowerCase());
  if (target.id !== undefined) return store.cardById(Number(target.id));
  return undefined;
}

/** How a payout's reason names a card number: the documented outcome of a test card, else its mask. */
function describeNumber(pan: string, hash: string): string {
  const documented = TEST_CARDS.find((test) => test.pan === pan);
  return documented
    ? `test card ${pan}: ${documented.documented}`
    : `card ${hash}: ${describeOutcome(payoutOutcomeForPan(pan))}`;
}

/**
 * A card is paid to only by the merchant and user who saved it (the test cards are everyone's),
 * and not once it is removed. The gateway's code for these is not documented: the sandbox
 * answers its "card not found" (docs/decisions/0012-card-storage.md).
 */
function refuseCard(
  card: SavedCard | undefined,
  target: { token?: string; id?: string },
  userId: string,
  merchant: Merchant,
): Rejection | undefined {
  if (!card) return undefined;
  const which = describeTarget(target);
  const refuse = (hint: string): Rejection => ({
    kind: 'rejected',
    error: GatewayErrors.cardNotFound,
    hint,
  });
  if (card.status === 'deleted') {
    return refuse(
      `${which} was removed${card.deletedAt ? ` at ${card.deletedAt}` : ''}; save the card again to pay out to it`,
    );
  }
  if (isEveryonesCard(card)) return undefined;
  if (card.merchantId !== merchant.id) {
    return refuse(
      `${which} was saved for another merchant; each merchant pays out to its own users' cards`,
    );
  }
  if (card.userId !== userId) {
    return refuse(
      `${which} belongs to another pg_user_id than "${userId}"; send the user the card was saved for`,
    );
  }
  return undefined;
}

/** How the payout's reason names the card: the documented outcome of a test card, else its mask. */
function describeCard(card: SavedCard): string {
  const documented = TEST_CARDS.find((test) => test.token === card.token);
  return documented
    ? `test card ${documented.pan}: ${documented.documented}`
    : `saved card ${card.hash}: ${describeOutcome(payoutOutcomeForPan(card.pan))}`;
}

function describeOutcome(outcome: CardOutcome): string {
  if (outcome.kind === 'ok') return 'success';
  if (outcome.kind === 'error') return `error ${outcome.code}`;
  return outcome.then === 'ok'
    ? 'process, later success'
    : `process, later error ${outcome.then.errorCode}`;
}

function describeTarget(target: { token?: string; id?: string }): string {
  return target.token !== undefined
    ? `pg_card_token_to "${target.token}"`
    : `pg_card_id_to "${target.id ?? ''}"`;
}

function rejectUnknownCard(target: { token?: string; id?: string }): Rejection {
  const which = describeTarget(target);
  return {
    kind: 'rejected',
    error: GatewayErrors.cardNotFound,
    hint: `${which} is not a saved card; use one of the test cards listed at GET /__sandbox/cards`,
  };
}

/** The error a final outcome carries: its own description, else the catalogue's. */
export function payoutError(outcome: Extract<FinalOutcome, { status: 'error' }>): PayoutError {
  return {
    code: outcome.code,
    description:
      outcome.description ??
      gatewayErrorByCode(outcome.code)?.description ??
      `Payment error ${outcome.code}`,
  };
}
